import json

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import torch
from torch.nn import functional as F

import dof
from dof.analysis import records, thresholds
from dof.config import BurnInConfig, SubspaceConfig
from dof.engine.data import from_plugin
from dof.engine.models import build_model
from dof.engine.network import restore_network
from dof.engine.projections import make_projection
from dof.engine.seeding import run_seeds
from dof.engine.subspace import SubspaceModule, load_flat_params
from dof.engine.training import (
    burn_in,
    evaluate,
    guarded_steps,
    minibatches,
    steps_per_epoch,
    train_subspace,
    train_subspaces_vmapped,
)
from dof.stages.burn_in import burn_in_checkpoint
from dof.stages.subspace_runs import run_subspaces, start_subspace


def test_minibatches_are_seeded_permutations():
    a = [next(b) for b in [minibatches(10, 4, seed=1)] for _ in range(3)]
    b = [next(g) for g in [minibatches(10, 4, seed=1)] for _ in range(3)]
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert sorted(torch.cat(a).tolist()) == list(range(10))
    assert [len(x) for x in a] == [4, 4, 2]
    assert steps_per_epoch(10, 4) == 3


def run(tiny_data, dim=8, lr=0.05, seed=0, t0=2):
    checkpoint = burn_in_checkpoint(tiny_data, "conv2", seed=seed, t0=t0, config=BurnInConfig(batch_size=16))
    config = SubspaceConfig(lr=lr, batch_size=16, epochs=2)
    return run_subspaces(tiny_data, [checkpoint], dim, config, {"lr": lr})


def test_same_seed_same_metrics(tiny_data):
    a, b = run(tiny_data), run(tiny_data)
    columns = ["train_loss", "train_acc", "test_loss", "test_acc", "subspace_seed", "batch_seed", "phi_norm"]
    assert a[columns].equals(b[columns])
    assert a.loc[0, "status"] == "ok" and a.loc[0, "steps"] == 2 * steps_per_epoch(64, 16)


def test_subspace_training_learns_and_more_dimensions_help(tiny_data):
    small, large = run(tiny_data, dim=1, t0=0), run(tiny_data, dim=256, t0=0)
    assert large.loc[0, "train_acc"] > 0.8
    assert large.loc[0, "train_loss"] < small.loc[0, "train_loss"]


def test_divergence_is_recorded_not_raised(tiny_data):
    row = run(tiny_data, lr=1e30).iloc[0]
    assert row["status"] == "diverged"
    assert row["train_acc"] != row["train_acc"]  # NaN


def test_run_records_provenance(tiny_data):
    row = run(tiny_data).iloc[0]
    for column in records.RUN_COLUMNS:
        assert column in row.index, column
    assert row["n_params"] == 20_490 - 7 * 7 * 32 * 10 - 10 + 3 * 3 * 32 * 3 + 3  # conv2 on 12x12, 3 classes


def runs_of(tiny_data, model, projection, vmap_runs, lr=0.05):
    config = BurnInConfig(batch_size=16)
    checkpoints = [burn_in_checkpoint(tiny_data, model, seed=s, t0=2, config=config) for s in range(3)]
    sub = SubspaceConfig(lr=lr, batch_size=16, epochs=2, projection=projection, vmap_runs=vmap_runs)
    return run_subspaces(tiny_data, checkpoints, 32, sub, {})


@pytest.mark.parametrize("projection", ["dense", "fastfood"])
def test_vmapped_seed_batch_equals_one_after_another(tiny_data, projection):
    sequential = runs_of(tiny_data, "conv2", projection, vmap_runs=1)
    batched = runs_of(tiny_data, "conv2", projection, vmap_runs=3)
    assert sequential["vmap_runs"].tolist() == [1, 1, 1] and batched["vmap_runs"].tolist() == [3, 3, 3]
    assert batched[["seed", "steps", "status"]].equals(sequential[["seed", "steps", "status"]])
    for column in ("train_loss", "test_loss", "phi_norm"):
        assert np.allclose(batched[column], sequential[column], rtol=1e-4, atol=1e-5), column
    for column in ("train_acc", "test_acc"):  # at most one example may flip on float rounding
        assert np.abs(batched[column] - sequential[column]).max() <= 1 / 32, column


def test_vmapped_batch_stops_only_the_diverging_run(tiny_data):
    config = BurnInConfig(batch_size=16)
    checkpoints = [burn_in_checkpoint(tiny_data, "conv2", seed=s, t0=2, config=config) for s in range(2)]
    seeds = [run_seeds(s, 8) for s in range(2)]

    def wrapped(c: dict, sd: dict) -> SubspaceModule:
        model = load_flat_params(build_model("conv2", tiny_data.input_shape, tiny_data.n_classes, 0), c["theta"])
        return SubspaceModule(model, 8, make_projection("dense", c["n_params"], 8, sd["subspace_seed"]))

    subspaces = [wrapped(c, sd) for c, sd in zip(checkpoints, seeds)]
    subspaces[1].theta_start[0] = float("inf")  # run 1 diverges at its first step, run 0 must not notice
    results = train_subspaces_vmapped(subspaces, tiny_data, [1, 2], SubspaceConfig(batch_size=16, epochs=1))
    alone = train_subspace(wrapped(checkpoints[0], seeds[0]), tiny_data, 1, SubspaceConfig(batch_size=16, epochs=1))
    assert results[1].status == "diverged" and results[1].steps == 0
    assert results[0].status == "ok" and results[0].steps == alone.steps
    assert abs(results[0].train_loss - alone.train_loss) < 1e-4


def test_models_with_batchnorm_train_one_after_another(tiny_data):
    runs = runs_of(tiny_data, "resnet20", "fastfood", vmap_runs=3)
    assert runs["vmap_runs"].tolist() == [1, 1, 1] and (runs["status"] == "ok").all()


def test_resnet_subspace_starts_from_the_burn_in_batchnorm_statistics(tiny_data):
    checkpoint = burn_in_checkpoint(tiny_data, "resnet20", seed=0, t0=3, config=BurnInConfig(batch_size=16))
    assert checkpoint["buffers"] and all(torch.isfinite(b.float()).all() for b in checkpoint["buffers"].values())
    subspace, _ = start_subspace(tiny_data, checkpoint, 4, "fastfood")
    subspace.eval()
    loss, acc = evaluate(subspace, tiny_data.x_train, tiny_data.y_train)
    assert abs(loss - checkpoint["train_loss"]) < 1e-5 and acc == checkpoint["train_acc"]
    fresh = start_subspace(tiny_data, {**checkpoint, "buffers": {}}, 4, "fastfood")[0]
    fresh.eval()
    assert abs(evaluate(fresh, tiny_data.x_train, tiny_data.y_train)[0] - loss) > 1e-3


def success_counts(tiny_data, projection, lr, dims=(4, 16, 64), n_seeds=24, nested=True):
    """P_s counts on a small grid (t0 = 0) at the epsilons where the dense runs' pooled P_s is intermediate."""
    config = BurnInConfig(batch_size=16)
    checkpoints = [burn_in_checkpoint(tiny_data, "conv2", seed=s, t0=0, config=config) for s in range(n_seeds)]
    sub = SubspaceConfig(lr=lr, batch_size=16, epochs=3, projection=projection, nested=nested)
    runs = pd.concat([run_subspaces(tiny_data, checkpoints, d, sub, {}) for d in dims])
    success = thresholds.success_table(runs, [0.5, 0.6, 0.7, 0.8, 0.9], ["train_acc"])
    return success[success["d"] > 0].set_index(["d", "epsilon"])  # d = 0, the shared start, tells nothing apart


def smallest_fisher_p(a: pd.DataFrame, b: pd.DataFrame) -> tuple[float, int]:
    """The smallest two-sided Fisher exact p-value over the (d, epsilon) cells where a or b is neither 0 nor 1."""
    cells = a.index[((a.p_success % 1) > 0) | ((b.p_success % 1) > 0)]
    p_values = [
        scipy.stats.fisher_exact(
            [[a.n_success[c], a.n_runs[c] - a.n_success[c]], [b.n_success[c], b.n_runs[c] - b.n_success[c]]]
        ).pvalue
        for c in cells
    ]
    return min(p_values, default=1.0), len(cells)


def test_dense_and_fastfood_give_the_same_success_probabilities(tiny_data):
    dense = success_counts(tiny_data, "dense", lr=0.05)
    fastfood = success_counts(tiny_data, "fastfood", lr=0.05)
    p_value, n_cells = smallest_fisher_p(dense, fastfood)
    assert n_cells >= 3  # the grid has cells inside the transition, where a mis-scaled A would show
    assert p_value * n_cells > 0.01  # Bonferroni over the cells: no cell differs beyond sampling error
    # the same test tells a 10x smaller step apart (it is not blind): dense at lr / 10
    slow_p, slow_cells = smallest_fisher_p(dense, success_counts(tiny_data, "dense", lr=0.005))
    assert slow_p * slow_cells < 0.01


def test_nested_and_independent_subspaces_give_the_same_success_probabilities(tiny_data):
    nested = success_counts(tiny_data, "dense", lr=0.05)
    independent = success_counts(tiny_data, "dense", lr=0.05, nested=False)
    p_value, n_cells = smallest_fisher_p(nested, independent)
    assert n_cells >= 3
    assert p_value * n_cells > 0.01  # Bonferroni: nesting changes which subspaces are drawn, not how often they train


def test_nested_runs_share_their_seeds_across_d_and_record_it(tiny_data):
    assert run_seeds(3, 8) == run_seeds(3, 64) and run_seeds(3, 8, nested=False) != run_seeds(3, 64, nested=False)
    checkpoint = burn_in_checkpoint(tiny_data, "conv2", seed=0, t0=0, config=BurnInConfig(batch_size=16))
    for nested in (True, False):
        sub = SubspaceConfig(batch_size=16, epochs=1, nested=nested)
        rows = pd.concat([run_subspaces(tiny_data, [checkpoint], d, sub, {}) for d in (4, 40)])
        assert rows["projection_settings"].map(lambda s: json.loads(s)["nested"]).tolist() == [nested, nested]
        assert (rows["subspace_seed"].nunique() == 1) == nested and (rows["batch_seed"].nunique() == 1) == nested


def test_progress_logs_one_timestamped_line_per_epoch_with_loss_and_accuracy(tiny_data, caplog):
    checkpoint = burn_in_checkpoint(tiny_data, "conv2", seed=0, t0=0, config=BurnInConfig(batch_size=16))
    subspace, seeds = start_subspace(tiny_data, checkpoint, 8, "dense")
    with caplog.at_level("INFO", logger="dof"):
        train_subspace(subspace, tiny_data, seeds["batch_seed"], SubspaceConfig(batch_size=16, epochs=2), "probe")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("probe: epoch")]
    assert len(lines) == 2 and lines[0].startswith("probe: epoch 1/2, mean loss ")
    assert all(", accuracy 0." in line or ", accuracy 1." in line for line in lines)


def test_a_stop_hook_ends_the_loop_before_its_update_with_its_status():
    w = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=0.5)
    seen = []

    def stop(done: int) -> str | None:
        seen.append(done)
        return "fitted" if w.detach().item() >= 1.0 else None

    outcome = guarded_steps(
        lambda _: (w - 2.0).square().sum(), optimizer, iter(lambda: torch.arange(1), None), 10, stop=stop
    )
    # w = 2 after one update; the stop hook sees it before a second one
    assert outcome.status == "fitted" and outcome.steps == 1 and seen == [0, 1]
    assert w.detach().item() == 2.0
    assert guarded_steps(lambda _: w.sum(), optimizer, iter(lambda: torch.arange(1), None), 3).status == "ok"


@pytest.mark.parametrize(
    ("model", "projection"), [("conv2", "dense"), ("conv2", "said"), ("resnet20", "fastfood")]
)  # fmt: skip
def test_a_plain_loop_through_the_public_wrapper_equals_the_stage_run_bit_for_bit(tiny_data, model, projection):
    """One implementation: dof.SubspaceModule in a hand-written loop with torch's Adam gives the stage's numbers
    exactly (resnet20: BatchNorm statistics updated in train mode, used in eval mode)."""
    checkpoint = burn_in_checkpoint(tiny_data, model, seed=1, t0=2, config=BurnInConfig(batch_size=16))
    config = SubspaceConfig(batch_size=16, epochs=2, projection=projection, said_base="dense")
    row = run_subspaces(tiny_data, [checkpoint], 24, config, {}).iloc[0]

    seeds = run_seeds(1, 24)
    net = dof.SubspaceModule(
        restore_network(checkpoint, tiny_data), 24, projection, seeds["subspace_seed"], said_base="dense"
    )
    optimizer = torch.optim.Adam(net.parameters(), lr=config.lr, betas=(config.beta1, config.beta2), eps=config.eps)
    batches = minibatches(len(tiny_data.y_train), config.batch_size, seeds["batch_seed"])
    net.train()
    for _ in range(2 * steps_per_epoch(len(tiny_data.y_train), config.batch_size)):
        idx = next(batches)
        optimizer.zero_grad()
        F.cross_entropy(net(tiny_data.x_train[idx]), tiny_data.y_train[idx]).backward()
        optimizer.step()
    net.eval()
    assert evaluate(net, tiny_data.x_train, tiny_data.y_train) == (row["train_loss"], row["train_acc"])
    assert evaluate(net, tiny_data.x_test, tiny_data.y_test) == (row["test_loss"], row["test_acc"])
    assert float(net.phi.detach().norm()) == row["phi_norm"]
    assert row["status"] == "ok" and row["d"] == 24 and row["n_scales"] == net.n_scales


def test_said_runs_record_the_grid_d_the_scales_and_the_base(tiny_data):
    checkpoint = burn_in_checkpoint(tiny_data, "conv2", seed=0, t0=0, config=BurnInConfig(batch_size=16))
    config = SubspaceConfig(batch_size=16, epochs=1, projection="said", said_base="fastfood")
    rows = pd.concat([run_subspaces(tiny_data, [checkpoint], d, config, {}) for d in (16, 64)])
    settings = rows["projection_settings"].map(json.loads)
    assert rows["d"].tolist() == [16, 64] and rows["n_scales"].tolist() == [6, 6]  # conv2: 3 weights, 3 biases
    assert rows["projection"].eq("said").all() and (rows["status"] == "ok").all()
    assert [s["phi_dim"] for s in settings] == [10, 58] and {s["base"] for s in settings} == {"fastfood"}
    plain = run_subspaces(tiny_data, [checkpoint], 16, SubspaceConfig(batch_size=16, epochs=1), {})
    assert plain["n_scales"].tolist() == [0]
    with pytest.raises(ValueError, match=r"conv2 network, subspace dimension d=6: .*choose d >= 7"):
        run_subspaces(tiny_data, [checkpoint], 6, config, {})


class TokenBag(torch.nn.Module):
    """Masked mean of token embeddings, called with keyword features; a transformers-like dict output."""

    def __init__(self, input_shape, n_classes, width=8):
        super().__init__()
        self.embed = torch.nn.Embedding(12, width)
        self.out = torch.nn.Linear(width, n_classes)

    def forward(self, input_ids, attention_mask):
        mask = attention_mask[..., None].float()
        return {"logits": self.out((self.embed(input_ids) * mask).sum(1) / mask.sum(1))}


@pytest.fixture(scope="module")
def token_data():
    """Named features: 96 train, 32 test sequences of 8 tokens (padding 0 after a random length); label: token 1."""
    rng = np.random.default_rng(1)
    ids = rng.integers(2, 12, size=(128, 8))
    labels = np.arange(128) % 2
    ids[labels == 1, rng.integers(0, 4, size=64)] = 1
    mask = (np.arange(8) < rng.integers(4, 9, size=128)[:, None]).astype(np.int64)
    x = {"input_ids": np.where(mask == 1, ids, 0), "attention_mask": mask}
    split = {
        name: {key: value[rows] for key, value in x.items()}
        for name, rows in (("a", slice(96)), ("b", slice(96, None)))
    }
    return from_plugin("tokens", (split["a"], labels[:96], split["b"], labels[96:], 2))


def test_named_features_train_in_full_space_and_in_subspaces_one_by_one_or_vmapped(token_data):
    assert token_data.input_shape == (8,) and set(token_data.x_train) == {"input_ids", "attention_mask"}
    torch.manual_seed(0)
    model = TokenBag((8,), 2)
    before = evaluate(model, token_data.x_test, token_data.y_test)
    theta, outcome = burn_in(model, token_data, 60, 0, BurnInConfig(lr=0.5, batch_size=16))
    assert outcome.status == "ok" and evaluate(model, token_data.x_train, token_data.y_train)[1] > 0.9 > before[1]
    sub = SubspaceConfig(lr=0.05, batch_size=16, epochs=2)

    def wrapped(seed: int) -> SubspaceModule:
        torch.manual_seed(seed)
        return SubspaceModule(TokenBag((8,), 2), 16, "dense", seed)

    one_by_one = [train_subspace(wrapped(seed), token_data, 7 + seed, sub) for seed in (0, 1)]
    assert all(r.status == "ok" and np.isfinite(r.train_loss) and r.phi_norm > 0 for r in one_by_one)
    together = train_subspaces_vmapped([wrapped(0), wrapped(1)], token_data, [7, 8], sub)
    for a, b in zip(one_by_one, together):
        assert (a.status, a.steps) == (b.status, b.steps) and a.train_loss == pytest.approx(b.train_loss, rel=1e-4)
