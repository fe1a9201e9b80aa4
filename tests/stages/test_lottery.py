"""Lottery subspaces, lottery tickets and the full-model baseline on the tiny synthetic dataset."""

import pandas as pd
import pytest
import torch

from dof.analysis import thresholds
from dof.config import BaselineConfig, BurnInConfig, LotteryConfig, SubspaceConfig, TicketConfig
from dof.engine.models import build_model
from dof.engine.projections import TrajectoryProjection
from dof.engine.subspace import AffineSubspace, flatten_params
from dof.stages.baseline import baseline_table, train_baseline
from dof.stages.burn_in import burn_in_checkpoint
from dof.stages.lottery_subspaces import run_lottery_subspaces, top_singular_vectors, trajectory_svd
from dof.stages.lottery_tickets import kept_count, lottery_tickets, magnitude_mask, pruning_rounds, train_masked
from dof.stages.subspace_runs import run_subspaces

TRAJECTORY = LotteryConfig(trajectory_steps=40, record_every=5)

FAST = SubspaceConfig(epochs=1, batch_size=32)


@pytest.fixture(scope="module")
def theta_0(tiny_data):
    return burn_in_checkpoint(tiny_data, "conv2", 3, 0, BurnInConfig())


@pytest.fixture(scope="module")
def artifact(tiny_data, theta_0):
    _, artifact = trajectory_svd(tiny_data, theta_0, TRAJECTORY, BurnInConfig())
    return artifact


def test_mask_keeps_exactly_the_requested_count_of_largest_magnitudes_with_ties():
    theta = torch.tensor([0.5, -2.0, 1.0, 1.0, 1.0, -0.1, 3.0, 0.0])
    mask = magnitude_mask(theta, 4)
    assert int(mask.sum()) == 4
    # 3.0, -2.0, then two of the three tied 1.0s: the lower indices win
    assert mask.tolist() == [False, True, True, True, False, False, True, False]
    narrower = magnitude_mask(theta * 10, 2, current=mask)
    assert int(narrower.sum()) == 2 and not (narrower & ~mask).any()


@pytest.mark.parametrize("fraction", [1.0, 0.5, 0.1, 0.01, 0.001])
def test_mask_keeps_the_requested_fraction(fraction):
    theta = torch.randn(20_490, generator=torch.Generator().manual_seed(0))
    theta[:100] = 0.25  # a block of ties
    mask = magnitude_mask(theta, kept_count(fraction, theta.numel()))
    assert int(mask.sum()) == max(1, round(fraction * theta.numel()))
    kept, pruned = theta[mask].abs(), theta[~mask].abs()
    if pruned.numel():
        assert kept.min() >= pruned.max()


def test_pruning_rounds_land_on_every_requested_fraction():
    rounds = pruning_rounds([1.0, 0.1, 0.01, 0.001], 0.5)
    assert rounds[0] == 1.0 and rounds[-1] == 0.001
    assert {0.1, 0.01, 0.001} <= set(rounds)
    assert all(b / a >= 0.5 - 1e-9 for a, b in zip(rounds[:-1], rounds[1:]))


def test_pruned_weights_stay_exactly_zero_through_retraining(tiny_data):
    model = build_model("conv2", tiny_data.input_shape, tiny_data.n_classes, seed=1)
    theta = flatten_params(model)
    mask = magnitude_mask(theta, kept_count(0.1, theta.numel()))
    result = train_masked(model, tiny_data, theta, mask, 0, 30, [0.1, 0.01], 0.9, 16, weight_decay=1e-3)
    assert result.status == "ok" and result.steps == 30
    assert (result.theta[~mask] == 0).all()
    assert (flatten_params(model)[~mask] == 0).all()
    assert not torch.equal(result.theta[mask], theta[mask])  # the kept weights did train


def test_iterative_and_one_shot_tickets_reach_a_thousandth(tiny_data, theta_0):
    config = TicketConfig(kept_fractions=(1.0, 0.1, 0.01, 0.001), prune_rate_per_round=0.8, retrain_steps=8)
    tickets = lottery_tickets(tiny_data, theta_0, config, FAST, run_config={})
    n_params = int(theta_0["n_params"])
    for method in ("lottery_ticket", "lottery_ticket_one_shot"):
        rows = tickets[tickets["method"] == method].sort_values("kept_fraction", ascending=False)
        assert rows["kept_fraction"].tolist() == [1.0, 0.1, 0.01, 0.001]
        assert rows["d"].tolist() == [kept_count(f, n_params) for f in (1.0, 0.1, 0.01, 0.001)]
    iterative = tickets[tickets["method"] == "lottery_ticket"]
    assert (
        iterative["prune_round"].is_monotonic_increasing and iterative["prune_round"].iloc[-1] == 6
    )  # 1, .2, .1, .02, .01, .002, .001
    assert (tickets["status"] == "ok").all() and (tickets["t0"] == 0).all()


def test_trajectory_basis_is_orthonormal_and_deterministic(tiny_data, theta_0, artifact):
    basis = artifact["basis"]
    assert basis.shape == (int(theta_0["n_params"]), 8)
    torch.testing.assert_close(basis.T @ basis, torch.eye(8), atol=1e-5, rtol=0)
    assert (artifact["singular_values"][:-1] >= artifact["singular_values"][1:]).all()
    _, again = trajectory_svd(tiny_data, theta_0, TRAJECTORY, BurnInConfig())
    assert torch.equal(again["basis"], basis)


def test_lowrank_svd_spans_the_top_singular_vectors():
    gen = torch.Generator().manual_seed(0)
    matrix = torch.randn(500, 6, generator=gen) @ torch.diag(torch.tensor([9.0, 5, 3, 1, 0.1, 0.01]))
    full, s_full = top_singular_vectors(matrix, 3, "full")
    low, s_low = top_singular_vectors(matrix, 3, "lowrank", seed=1)
    torch.testing.assert_close(s_low, s_full, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(low, full, atol=1e-4, rtol=1e-4)  # signs are fixed


def test_lottery_subspace_passes_through_theta_0(tiny_data, theta_0, artifact):
    model = build_model("conv2", tiny_data.input_shape, tiny_data.n_classes, seed=0)
    projection = TrajectoryProjection(artifact["n_params"], 4, 0, basis=artifact["basis"])
    subspace = AffineSubspace(model, artifact["theta_start"], projection)
    assert torch.equal(subspace.theta(torch.zeros(4)), theta_0["theta"])
    phi = torch.randn(4, requires_grad=True)
    subspace.theta(phi).sum().backward()
    torch.testing.assert_close(phi.grad, artifact["basis"][:, :4].sum(dim=0))
    with pytest.raises(ValueError, match="d <= 8"):
        TrajectoryProjection(artifact["n_params"], 9, 0, basis=artifact["basis"])


def test_lottery_subspace_runs_and_baseline_rows(tiny_data, theta_0, artifact):
    runs = run_lottery_subspaces(tiny_data, [artifact], 4, FAST, run_config={})
    assert runs.loc[0, "method"] == "lottery_subspace" and runs.loc[0, "status"] == "ok"
    assert runs.loc[0, "t0"] == 0 and runs.loc[0, "d"] == 4
    random = run_subspaces(tiny_data, [theta_0], 4, FAST, run_config={})
    assert random.loc[0, "method"] == "random"
    assert set(random.columns) <= set(runs.columns)
    baseline = baseline_table([train_baseline(tiny_data, theta_0, BaselineConfig(lr=0.01, epochs=1, batch_size=32))])
    assert baseline.loc[0, "status"] == "ok" and baseline.loc[0, "steps"] == 2
    assert 0 <= baseline.loc[0, "test_acc"] <= 1


def test_d_int90_is_first_d_whose_mean_test_accuracy_reaches_90_percent_of_the_baseline():
    runs = pd.DataFrame(
        {
            "dataset": "x",
            "model": "m",
            "n_params": 100,
            "method": ["random"] * 6 + ["burn_in"] * 2,
            "t0": [0] * 6 + [4] * 2,
            "d": [1, 1, 2, 2, 4, 4, 1, 1],
            "seed": [0, 1] * 4,
            "status": ["ok", "ok", "ok", "diverged", "ok", "ok", "ok", "ok"],
            "test_acc": [0.5, 0.5, 0.9, float("nan"), 0.8, 1.0, 0.1, 0.2],
        }
    )
    baseline = pd.DataFrame({"dataset": "x", "model": "m", "seed": [0, 1], "test_acc": [0.98, 1.02]})
    table = thresholds.d_int90_table(runs, baseline).set_index("method")
    assert table.loc["random", "d_int90"] == 4  # d=2: (0.9 + 0) / 2 < 0.9; d=4: 0.9 >= 0.9 * 1.0
    assert pd.isna(table.loc["burn_in", "d_int90"])
    assert table.loc["random", "baseline_test_acc"] == pytest.approx(1.0)
