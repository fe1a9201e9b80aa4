"""Random subspaces on the jamming task (degrees of freedom two ways): records, and the known answer of a linear
model, whose subspace fit is a linear feasibility problem that linear programming decides exactly."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

from dof.config import GaussianConfig, JammingConfig, JammingSubspaceConfig
from dof.engine.projections import make_projection
from dof.stages import jamming, jamming_subspace
from dof.stages.record import METRICS
from dof.theory.cover import margins_feasible
from dof.validation import check_grid


def config(**subspace) -> JammingConfig:
    """Fast stop rules (lr 1 as for linear models in tests/stages/test_jamming.py) and 16 Gaussian inputs."""
    return JammingConfig(
        max_steps=3000,
        check_every=50,
        plateau_steps=300,
        lr_drops=2,
        gaussian=GaussianConfig(input_dim=16, n_test=8),
        subspace=JammingSubspaceConfig(**{"depth": 0, "width": 16, "lr": 1.0, **subspace}),
    )


def subspace_fit_is_feasible(n_train: int, d: int, seed: int, cfg: JammingConfig) -> bool:
    """Exact answer: is there phi with y (f_0(x) + [x, 1] A phi) >= 1 for every point (the linear model's subspace)?"""
    task = jamming.build_task("gaussian", n_train, seed, cfg, {})
    sub = cfg.subspace
    seeds = jamming_subspace.subspace_run_seeds(seed, sub.depth, sub.width, d, sub.nested)
    model = jamming.fc_network(16, 0, sub.width, seeds["init_seed"])
    a = make_projection(sub.projection, sub.width + 1, d, seeds["subspace_seed"]).matrix.double()
    x = task.x_train[:, : sub.width]
    with torch.no_grad():
        offset = model(x).squeeze(-1)
    features = torch.cat([x, torch.ones(len(x), 1, dtype=x.dtype)], dim=1) @ a  # weight first, then bias
    return margins_feasible(features.numpy(), task.y_train.numpy(), offset.numpy())


def test_a_chunk_records_every_column_through_run_record():
    cfg = config()
    runs = jamming_subspace.run_subspace_chunk("gaussian", 12, 6, [0, 1], cfg, {})
    for column in (
        "d",
        "n_params",
        "n_train",
        "seed",
        "status",
        "steps",
        "n_delta",
        "phi_norm",
        "git_commit",
        *METRICS,
    ):
        assert column in runs.columns
    assert set(jamming_subspace.RUN_COLUMNS) <= set(runs.columns)  # what aggregate_jamming_subspaces requires
    assert set(runs["status"]) <= set(jamming.STATUSES)
    assert runs["n_params"].eq(17).all() and runs["model"].eq("fc_L0_h16").all() and runs["d"].eq(6).all()
    assert runs["projection_settings"].map(lambda s: json.loads(s)["dim"]).eq(6).all()
    assert runs["subspace_seed"].nunique() == 2 and runs["data_seed"].nunique() == 2
    assert runs.loc[runs["status"].eq("fitted"), "n_delta"].eq(0).all()
    assert runs.loc[runs["status"].eq("fitted"), "train_acc"].eq(1.0).all()


@pytest.mark.parametrize("nested", [True, False])
def test_nested_subspaces_grow_with_d(nested):
    """Nested (the default): a seed's A_d is the first d columns of one A, so its subspaces at d < d' are nested;
    nested: false draws A afresh for every d."""
    cfg = config(nested=nested)
    runs = pd.concat([jamming_subspace.run_subspace_chunk("gaussian", 12, d, [0], cfg, {}) for d in (4, 8)])
    assert runs["subspace_seed"].nunique() == (1 if nested else 2)
    assert runs["projection_settings"].map(lambda s: json.loads(s)["nested"]).eq(nested).all()
    small, large = (make_projection("dense", 17, d, seed).matrix for d, seed in zip((4, 8), runs["subspace_seed"]))
    assert torch.equal(small, large[:, :4]) == nested


def test_a_subspace_larger_than_the_network_is_refused():
    with pytest.raises(ValueError, match="jamming.subspace.dims"):
        jamming_subspace.run_subspace_chunk("gaussian", 12, 18, [0], config(), {})


def checked(subspace: dict, **jamming) -> JammingConfig:
    """check_grid of a config with only the jamming stage (gaussian points of 16 inputs) and this subspace block."""
    block = {"enabled": True, "datasets": ["gaussian"], "gaussian": {"input_dim": 16}, **jamming, "subspace": subspace}
    return check_grid({"experiment": "test", "data": {"download": True}, "jamming": block}).jamming


def test_subspace_dims_beyond_the_wide_network_are_refused_before_any_run():
    """depth 1, width 4 on 16 inputs: N = 16 * 4 + 4 + 4 + 1 = 73; with PCA on a real dataset N counts pca inputs."""
    assert checked({"dims": [8, 73], "depth": 1, "width": 4}).subspace.dims == (8, 73)
    with pytest.raises(ValueError, match=r"jamming.subspace.dims: \[74\] exceed N = 73.*widen the network"):
        checked({"dims": [8, 74], "depth": 1, "width": 4})
    with pytest.raises(ValueError, match=r"jamming.subspace.dims: \[60\] exceed N = 49,.*'mnist5k' \(10 inputs\)"):
        checked({"dims": [60], "depth": 1, "width": 4}, datasets=["mnist5k"], pca=10)
    assert checked({"dims": [], "depth": 0, "width": 99}).subspace.dims == ()  # no subspace runs: nothing to check


def test_a_linear_wide_network_wider_than_its_inputs_is_refused_naming_its_key():
    with pytest.raises(ValueError, match=r"config key jamming.subspace.width: .* 1 \.\. 16 .* got 17") as error:
        checked({"dims": [4], "depth": 0, "width": 17})
    assert "jamming.widths" not in str(error.value)
    with pytest.raises(ValueError, match="jamming.subspace.width"):
        jamming_subspace.run_subspace_chunk("gaussian", 12, 4, [0], config(width=17), {})


def test_known_answer_linear_subspaces_are_fitted_exactly_when_feasible():
    """P = 24 points, a linear model on 16 inputs (D = 17), subspaces of d = 12 and 16 around the transition: a run
    is fitted (L = 0) exactly when its linear feasibility problem has a solution (at most one run misjudged)."""
    cfg = config()
    n_train, seeds = 24, list(range(6))
    runs = pd.concat([jamming_subspace.run_subspace_chunk("gaussian", n_train, d, seeds, cfg, {}) for d in (12, 16)])
    truth = np.array([subspace_fit_is_feasible(n_train, row.d, row.seed, cfg) for row in runs.itertuples()])
    fitted = runs["status"].eq("fitted").to_numpy()
    assert 0 < truth.sum() < len(truth), "the grid should straddle the transition"
    wrong = runs[fitted != truth]
    assert len(wrong) <= 1, wrong[["d", "seed", "status", "steps", "n_delta"]]
