"""The connectivity stage: dropout rescaling with known answers, the path's claims checked at every point, training
through the one loop, and the config checks of the connectivity block."""

import pandas as pd
import pytest
import torch

from dof.config import ConnectivityConfig
from dof.engine.data import load_dataset
from dof.engine.models import MeanField, mean_field_forward
from dof.stages import connectivity as stage
from dof.validation import check_grid

CONFIG = ConnectivityConfig(epochs=2, fractions=(0.5,), n_subsets=2, points_per_segment=5)


def random_net(depth: int, width: int, seed: int, input_dim: int = 6, n_classes: int = 3) -> list[torch.Tensor]:
    """A random mean-field network in float64 (trained weights are not needed for exact identities)."""
    model = MeanField(input_dim, n_classes, width, depth, seed)
    return [w.detach().double() for w in model.weights]


def duplicated(weights: list[torch.Tensor]) -> list[torch.Tensor]:
    """The same network with every hidden neuron twice: rows repeated, and hidden-to-hidden and output columns
    repeated too (the mean over 2M inputs of duplicated neurons is the mean over M)."""
    first, *middle, last = weights
    return [first.repeat(2, 1), *[w.repeat(2, 2) for w in middle], last.repeat(1, 2)]


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_dropping_one_copy_of_duplicated_neurons_changes_nothing(depth):
    x = torch.randn(20, 6, dtype=torch.float64)
    small = random_net(depth, 5, seed=depth)
    big = duplicated(small)  # computes what `small` does (tests/engine/test_models.py)
    reference = mean_field_forward(small, x)
    gen = torch.Generator().manual_seed(0)
    # keep one copy of every neuron, a random copy per neuron and layer: L_M = L_N exactly
    subsets = [(torch.arange(5) + 5 * torch.randint(0, 2, (5,), generator=gen)).sort().values for _ in range(depth)]
    assert torch.allclose(mean_field_forward(stage.subnetwork(big, subsets), x), reference, atol=1e-12)
    kept = stage.dropped(big, stage.masks(10, subsets))  # the same as an N-wide network, rescaled by N / M = 2
    assert torch.allclose(mean_field_forward(kept, x), reference, atol=1e-12)


@pytest.mark.parametrize("depth", [1, 2])
def test_the_n_wide_dropout_network_computes_the_subnetwork(depth):
    x = torch.randn(30, 6, dtype=torch.float64)
    weights = random_net(depth, 12, seed=7)
    subsets = stage.draw_subsets(depth, 12, 5, seed=3)
    assert all(len(s) == 5 and len(set(s.tolist())) == 5 for s in subsets)
    narrow = mean_field_forward(stage.subnetwork(weights, subsets), x)
    wide = mean_field_forward(stage.dropped(weights, stage.masks(12, subsets)), x)
    assert torch.allclose(narrow, wide, atol=1e-12)
    assert not torch.allclose(narrow, mean_field_forward(weights, x), atol=1e-3)  # a random net is not stable


def test_kept_neurons():
    assert [stage.kept_neurons(10, f) for f in (0.5, 0.25, 0.01, 1.0)] == [5, 2, 1, 10]


@pytest.mark.parametrize(("depth", "width"), [(1, 6), (2, 8), (3, 7)])
def test_every_point_of_the_path_keeps_its_segments_claim(depth, width):
    """Ends are A and B, segments join, 'exact' segments keep the output at every point, 'convex' ones give the
    convex combination of their ends' outputs, and the swap joins A's and B's dropout subnetworks."""
    x = torch.randn(25, 6, dtype=torch.float64)
    a, b = random_net(depth, width, seed=1), random_net(depth, width, seed=2)
    halves = stage.draw_subsets(depth, width, width // 2, seed=5)
    kept_a = stage.masks(width, halves)
    segments = stage.dropout_path(a, b, kept_a)
    assert len(segments) == 2 * depth + 3
    assert all(torch.equal(u, v) for u, v in zip(segments[0].start, a))
    assert all(torch.equal(u, v) for u, v in zip(segments[-1].end, b))
    for first, second in zip(segments[:-1], segments[1:]):
        assert all(torch.equal(u, v) for u, v in zip(first.end, second.start))
    assert [s.kind for s in segments].count("exact") == 2 and [s.kind for s in segments].count("convex") == 3
    for segment in segments:
        start, end = mean_field_forward(segment.start, x), mean_field_forward(segment.end, x)
        for t in torch.linspace(0, 1, 9).tolist():
            out = mean_field_forward(stage.interpolate(segment.start, segment.end, t), x)
            if segment.kind == "exact":
                assert torch.allclose(out, start, atol=1e-12), (segment.name, t)
            elif segment.kind == "convex":
                assert torch.allclose(out, (1 - t) * start + t * end, atol=1e-12), (segment.name, t)
    swap = next(s for s in segments if s.name.startswith("output"))
    other = [torch.nonzero(~mask).flatten() for mask in kept_a]
    assert torch.allclose(mean_field_forward(swap.start, x), mean_field_forward(stage.subnetwork(a, halves), x))
    assert torch.allclose(mean_field_forward(swap.end, x), mean_field_forward(stage.subnetwork(b, other), x))


def test_path_points_share_the_ends_once_and_barriers_are_measured_from_the_ends():
    a, b = random_net(1, 4, seed=1), random_net(1, 4, seed=2)
    segments = stage.dropout_path(a, b, stage.masks(4, stage.draw_subsets(1, 4, 2, seed=0)))
    assert len(stage.path_points(segments, 4)) == 1 + 5 * 3
    curve = pd.DataFrame(
        {
            "path": "p",
            "split": "train",
            "position": [0.0, 0.5, 1.0],
            "loss": [1.0, 3.0, 2.0],
            "segment_name": ["s", "s", "s"],
        }
    )
    row = stage.barrier_rows(curve)[0]
    assert row["barrier"] == 1.0 and row["loss_ends"] == 2.0 and row["argmax_position"] == 0.5


def test_training_through_the_one_loop_lowers_the_loss_and_cells_record_everything():
    data = stage.prepare(load_dataset("digits", n_train=300))
    start = MeanField(64, 10, 16, 2, seed=0)
    before = stage.mean_field_loss([w.detach() for w in start.weights], data.x_train, data.y_train, CONFIG)[0]
    runs, checkpoints = stage.run_training_chunk("digits", 2, 16, [0, 1], CONFIG, {"n_train": 300})
    assert runs["status"].eq("ok").all() and (runs["train_loss"] < before).all()
    assert runs["steps"].eq(2 * 19).all()  # 300 / 16 -> 19 batches per epoch
    dropout, barriers, paths = stage.run_geometry_cell(checkpoints, "digits", CONFIG, {"n_train": 300})
    assert len(dropout) == 2 * 1 * 2 * 2 and (dropout["gap"] >= 0).all()
    assert dropout.groupby(["seed", "subset"])["subset_seed"].nunique().eq(1).all()
    assert dropout["subset_seed"].nunique() == 2 * 2  # a seed per run and subset, shared by the splits
    assert len(barriers) == 2 * 2 and barriers["pair"].eq("0-1").all() and (barriers["barrier"] >= 0).all()
    assert len(paths) == 2 * (5 + 1 + 7 * 4)  # splits x (straight + dropout path points)


def test_disjoint_halves_split_the_training_data_and_each_run_trains_on_its_half():
    first, second = stage.data_half(301, 0), stage.data_half(301, 1)
    assert len(first) == 150 and len(second) == 151
    assert sorted(torch.cat([first, second]).tolist()) == list(range(301))
    runs, _ = stage.run_training_chunk("digits", 1, 8, [0, 1], CONFIG, {"n_train": 300}, halves=[0, 1])
    assert runs["data_half"].tolist() == [0, 1] and runs["steps"].eq(2 * 10).all()  # 150 / 16 -> 10 batches


def test_mean_field_learning_rates_scale_with_width():
    weights = list(MeanField(5, 3, 8, 3, seed=0).weights)
    assert [g["lr"] for g in stage.mean_field_groups(weights, 0.1)] == pytest.approx([0.8, 6.4, 6.4, 0.8])


def test_a_path_width_outside_the_grid_is_refused_before_any_job():
    block = {"enabled": True, "widths": [8, 16], "path_width": 12}
    base = {"experiment": "x", "datasets": ["digits"], "models": ["fc"], "subspace": {}, "thresholds": {}}
    with pytest.raises(ValueError, match=r"connectivity\.path_width"):
        check_grid({**base, "connectivity": block})
    assert check_grid({**base, "connectivity": {**block, "path_width": 16}}).connectivity.path_width == 16


CONNECTIVITY_BASE = {"experiment": "x", "datasets": ["digits"], "models": ["fc"], "subspace": {}, "thresholds": {}}


def test_an_odd_number_of_seeds_is_refused_naming_the_key():
    with pytest.raises(ValueError, match=r"connectivity\.seeds: .*3 seeds leave seed 2 without a pair"):
        check_grid({**CONNECTIVITY_BASE, "connectivity": {"enabled": True, "seeds": [0, 1, 2]}})


@pytest.mark.parametrize(("fraction", "effect"), [(0.01, "keeps nothing"), (0.99, "drops nothing")])
def test_a_fraction_keeping_no_neuron_or_every_neuron_is_refused(fraction, effect):
    block = {"enabled": True, "widths": [8, 64], "fractions": [0.5, fraction]}
    with pytest.raises(ValueError, match=rf"connectivity\.fractions: {fraction:g} .* width 8 .*{effect}"):
        check_grid({**CONNECTIVITY_BASE, "connectivity": block})


def test_a_connectivity_dataset_missing_on_disk_is_refused_without_download(tmp_path):
    data = {"root": str(tmp_path), "download": False}
    block = {"enabled": True, "datasets": ["mnist"]}
    with pytest.raises(FileNotFoundError, match=r"connectivity\.datasets: dataset 'mnist' .*data\.download"):
        check_grid({**CONNECTIVITY_BASE, "data": data, "connectivity": block})
    assert check_grid({**CONNECTIVITY_BASE, "data": {**data, "download": True}, "connectivity": block})
