"""The Goldilocks stage: starts at r theta_0, runs that reuse the subspace machinery, the section curvature."""

import numpy as np
import pytest
import torch

from dof.config import BurnInConfig, GoldilocksConfig, SubspaceConfig
from dof.stages import goldilocks
from dof.stages.burn_in import burn_in_checkpoint
from dof.stages.spectra import hessian_subset
from dof.stages.subspace_runs import run_subspaces, start_subspace
from dof.theory import goldilocks as section_theory
from dof.theory import hessian
from dof.validation import check_grid

SUBSPACE = SubspaceConfig(epochs=1, batch_size=32)
SETTINGS = GoldilocksConfig(n_examples=40)


@pytest.fixture(scope="module")
def starts(tiny_data):
    return [burn_in_checkpoint(tiny_data, "conv2", seed, 0, BurnInConfig()) for seed in (0, 1)]


def test_scaled_checkpoint_scales_every_weight_and_remeasures(tiny_data, starts):
    scaled = goldilocks.scaled_checkpoint(tiny_data, starts[0], 3.0)
    torch.testing.assert_close(scaled["theta"], 3.0 * starts[0]["theta"])
    assert scaled["init_scale"] == 3.0 and scaled["buffers"] is starts[0]["buffers"]
    assert starts[0]["theta"].norm() * 3.0 == pytest.approx(float(scaled["theta"].norm()), rel=1e-6)
    assert scaled["train_loss"] != starts[0]["train_loss"]
    with pytest.raises(ValueError, match="t0 = 4"):
        goldilocks.scaled_checkpoint(tiny_data, {**starts[0], "t0": 4}, 2.0)


def test_runs_at_scale_one_are_the_random_subspace_runs(tiny_data, starts):
    runs = goldilocks.goldilocks_runs(tiny_data, starts, 1.0, 8, SUBSPACE, SETTINGS, {}, curvature_seeds=[1])
    plain = run_subspaces(tiny_data, starts, 8, SUBSPACE, {})
    np.testing.assert_allclose(runs["train_acc"], plain["train_acc"])
    np.testing.assert_allclose(runs["train_loss"], plain["train_loss"], rtol=1e-6)
    assert runs["init_scale"].eq(1.0).all() and set(goldilocks.SECTION_COLUMNS) <= set(runs.columns)
    assert np.isnan(runs.loc[runs["seed"] == 0, "trace_over_frobenius"]).all()
    measured = runs[runs["seed"] == 1].iloc[0]
    assert 0 <= measured["positive_fraction"] <= 1 and abs(measured["trace_over_frobenius"]) <= np.sqrt(8)


def test_section_record_is_the_runs_own_section(tiny_data, starts):
    start = goldilocks.scaled_checkpoint(tiny_data, starts[0], 0.5)
    record = goldilocks.section_record(tiny_data, start, 4, SUBSPACE, SETTINGS)
    affine, _ = start_subspace(tiny_data, start, 4, SUBSPACE.projection)
    x, y = hessian_subset(tiny_data, SETTINGS.n_examples, SETTINGS.subset_seed)
    matvec = hessian.hvp_fn(affine.network, x, y, affine.theta_start)
    directions = affine.projection(torch.eye(4))
    trace = sum(float(a.double() @ matvec(a.double())) for a in directions)
    assert record["section_trace"] == pytest.approx(trace, rel=1e-4, abs=1e-7)
    section = section_theory.section_hessian(matvec, directions)
    assert record["positive_fraction"] == section_theory.section_curvature(section)["positive_fraction"]


def test_config_refuses_dims_beyond_d_naming_the_key():
    config = {"experiment": "x", "datasets": ["digits"], "models": ["conv2"], "subspace": {"dims": [8]}}
    assert check_grid({**config, "goldilocks": {"enabled": True, "dims": [8, 64]}}).goldilocks.dims == (8, 64)
    with pytest.raises(ValueError, match=r"goldilocks\.dims: \[1000000\] exceed D = 6090"):
        check_grid({**config, "goldilocks": {"enabled": True, "dims": [8, 10**6]}})
