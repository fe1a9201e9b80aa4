"""Hessian spectra at checkpoints, the geometry of the burn-in points around theta*, and the baseline theta*."""

import numpy as np
import pytest
import torch

from dof.config import BaselineConfig, BurnInConfig, HessianConfig
from dof.engine.models import FullyConnected, init_lecun_normal_
from dof.engine.seeding import generator
from dof.engine.training import steps_per_epoch
from dof.stages import spectra as spectra_stage
from dof.stages.baseline import train_baseline
from dof.stages.burn_in import burn_in_checkpoint
from dof.theory import hessian


def test_double_backward_hvp_matches_explicit_hessian():
    model = init_lecun_normal_(FullyConnected((1, 3, 3), 3, hidden=(5,)), seed=0).double()
    gen = generator(1)
    x = torch.randn(20, 1, 3, 3, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 3, (20,), generator=gen)
    h = hessian.explicit_hessian(model, x, y)
    matvec = hessian.double_backward_hvp_fn(model, x, y)
    for seed in (2, 3):  # the kept graph serves many products
        v = torch.randn(h.shape[0], generator=generator(seed), dtype=torch.float64)
        torch.testing.assert_close(matvec(v), h @ v, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(matvec(v), hessian.hvp_fn(model, x, y)(v), rtol=1e-10, atol=1e-12)


def test_spectrum_record_counts_spiked_outliers_and_estimates_trace():
    dim, n_classes = 150, 4
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2 * dim, dim))
    u, _ = np.linalg.qr(rng.standard_normal((dim, n_classes)))
    matrix = torch.tensor(x.T @ x / (2 * dim) + (u * (20.0 + 5.0 * np.arange(n_classes))) @ u.T)
    exact = torch.linalg.eigvalsh(matrix).numpy()[::-1]
    settings = HessianConfig(lanczos_iterations=40, top_k=12, slq_probes=4, slq_iterations=20, seed=0)
    record = spectra_stage.spectrum_record(lambda v: matrix @ v, dim, settings)
    assert len(record["top_eigenvalues"]) == 12
    np.testing.assert_allclose(record["top_eigenvalues"][:n_classes], exact[:n_classes], rtol=1e-8)
    assert record["n_outliers_gap"] == n_classes and record["outlier_gap_ratio"] > 5
    assert record["trace"] == pytest.approx(
        float(torch.trace(matrix)), rel=4 * record["trace_stderr"] / record["trace"]
    )
    assert sum(record["slq_weights"]) == pytest.approx(1.0)
    assert set(record["slq_probe"]) == {0, 1, 2, 3}
    assert np.trapezoid(record["density"], record["density_grid"]) == pytest.approx(1.0)


@pytest.fixture(scope="module")
def tiny_checkpoints(tiny_data):
    start = burn_in_checkpoint(tiny_data, "conv2", 0, 0, BurnInConfig())
    burned = burn_in_checkpoint(tiny_data, "conv2", 0, 3, BurnInConfig())
    solution = train_baseline(tiny_data, start, BaselineConfig(lr=0.01, batch_size=16, epochs=2))
    return start, burned, solution


def test_solution_trains_every_weight_with_the_subspace_budget(tiny_data, tiny_checkpoints):
    start, _, solution = tiny_checkpoints
    assert solution["steps"] == 2 * steps_per_epoch(len(tiny_data.y_train), 16)
    assert solution["theta"].shape == start["theta"].shape and solution["t0"] is None
    assert solution["train_loss"] < start["train_loss"]
    assert solution["distance_from_start"] == pytest.approx(
        float(torch.linalg.norm(solution["theta"] - start["theta"]))
    )
    again = train_baseline(tiny_data, start, BaselineConfig(lr=0.01, batch_size=16, epochs=2))
    torch.testing.assert_close(again["theta"], solution["theta"])  # seeded batch order


def test_checkpoint_spectra_geometry_and_prediction_table(tiny_data, tiny_checkpoints):
    start, burned, solution = tiny_checkpoints
    settings = HessianConfig(n_examples=32, lanczos_iterations=12, top_k=6, slq_probes=2, slq_iterations=8, seed=0)
    spectra = [spectra_stage.checkpoint_spectrum(tiny_data, ck, settings) for ck in (start, burned, solution)]
    assert [frame["point"].iloc[0] for frame in spectra] == ["t0_0", "t0_3", "solution"]
    row = spectra[0].iloc[0]
    assert row["n_examples"] == 32 and row["n_outliers"] == row["n_outliers_gap"]
    assert len(row["top_eigenvalues"]) == 6 and row["lambda_max"] == max(row["top_eigenvalues"])
    geometry = spectra_stage.solution_geometry(tiny_data, solution, [start, burned], settings)
    assert list(geometry["point"]) == ["solution", "t0_0", "t0_3"]
    distance = float(torch.linalg.norm(burned["theta"] - solution["theta"]))
    assert geometry.set_index("point").loc["t0_3", "distance_to_solution"] == pytest.approx(distance)
    table = spectra_stage.spectrum_table(spectra, [geometry])
    assert len(table) == 3 and list(table["point"]) == ["t0_0", "t0_3", "solution"]
    assert table.loc[table["point"] == "solution", "distance_to_solution"].item() == 0.0

    assert set(table["rayleigh_over_mean"].dropna()) and table["solution_mean_eigenvalue"].notna().all()
