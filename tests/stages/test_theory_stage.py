import numpy as np
import pandas as pd
import pytest
import torch

from dof.analysis import prediction
from dof.config import BurnInConfig, HessianConfig, QuadraticConfig, SubspaceConfig, from_mapping
from dof.engine.models import FullyConnected, init_lecun_normal_
from dof.engine.seeding import generator
from dof.engine.training import steps_per_epoch
from dof.stages import spectra as spectra_stage
from dof.stages.baseline import train_baseline
from dof.stages.burn_in import burn_in_checkpoint
from dof.theory import hessian, quadratic, widths


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(1):
        yield


QUADRATIC = {
    "n_params": 40,
    "spectra": [
        {"name": "two", "kind": "bimodal", "params": {"fraction": 0.2, "large": 1.0, "small": 0.01}},
        {"name": "wide", "kind": "bulk"},
    ],
    "distances": [1.0, 3.0],
    "epsilons": [1e-3, 1e-2],
    "dims": None,
    "n_subspaces": 12,
    "n_width_samples": 40,
    "n_starts": 1,
    "seed": 0,
    "delta": 0.1,
}


def quad(settings: dict) -> QuadraticConfig:
    return from_mapping(QuadraticConfig, settings)


def test_quadratic_grid_and_spectra_from_settings():
    dims = quadratic.quadratic_dims(quad(QUADRATIC))
    assert dims[0] == 0 and dims[-1] == 40 and np.all(np.diff(dims) > 0)
    np.testing.assert_array_equal(quadratic.quadratic_dims(quad({**QUADRATIC, "dims": [8, 0, 8, 40]})), [0, 8, 40])
    with pytest.raises(ValueError, match="n_params"):
        quadratic.quadratic_dims(quad({**QUADRATIC, "dims": [41]}))
    spectra = quadratic.quadratic_spectra(quad(QUADRATIC))
    assert list(spectra) == ["two", "wide"] and all(v.size == 40 for v in spectra.values())
    assert np.sum(spectra["two"] == 1.0) == 8
    np.testing.assert_array_equal(spectra["wide"], quadratic.quadratic_spectra(quad(QUADRATIC))["wide"])  # seeded
    twice = {**QUADRATIC, "spectra": [QUADRATIC["spectra"][0]] * 2}
    with pytest.raises(ValueError, match="twice"):
        quadratic.quadratic_spectra(quad(twice))


def test_quadratic_success_and_widths_tables():
    success = quadratic.quadratic_success(quad(QUADRATIC))
    assert list(success.columns) == [
        "spectrum",
        "n_params",
        "R",
        "d",
        "epsilon",
        "n_runs",
        "n_success",
        "p_success",
    ]
    assert len(success) == 2 * 2 * 2 * len(quadratic.quadratic_dims(quad(QUADRATIC)))
    table = quadratic.quadratic_widths(quad(QUADRATIC), success)
    assert len(table) == 2 * 2 * 2
    for column in ("w2", "w2_stderr", "w2_closed_form", "d_star_predicted", "d_star_empirical", "d_star_median"):
        assert column in table.columns
    assert (table["d_star_predicted"] == table["n_params"] - table["w2"]).all()
    assert (table["d_star_median"].astype(float) <= table["d_star_empirical"].astype(float)).all()
    gap = table["d_star_empirical"].astype("Float64") - table["d_star_predicted"]
    np.testing.assert_allclose(table["gap_empirical"].astype(float), gap.astype(float))


def test_prediction_equals_d_minus_closed_form_width_on_an_exact_spectrum():
    eigenvalues = np.concatenate([np.geomspace(1e-4, 3.0, 50), [-0.2, 0.0]])
    dim, delta_loss, distance = eigenvalues.size, 0.05, 2.0
    nodes, weights, probes = eigenvalues, np.full(dim, 1.0 / dim), np.zeros(dim, dtype=int)
    predicted, stderr = prediction.predicted_threshold(nodes, weights, probes, dim, delta_loss, distance)
    positive = eigenvalues[eigenvalues > 0]
    closed = widths.closed_form_width2(np.sqrt(2 * delta_loss / positive), distance) + (dim - positive.size)
    assert predicted == pytest.approx(dim - closed, rel=1e-12)  # flat and negative directions count fully in w^2
    assert np.isnan(stderr)  # one probe
    top = np.sort(eigenvalues)[::-1][:10]
    assert prediction.top_eigenvalue_threshold(top, delta_loss, distance) <= predicted
    # two probes with the same nodes: the same estimate, zero spread
    two = prediction.predicted_threshold(
        np.tile(nodes, 2), np.tile(weights / 2, 2), np.repeat([0, 1], dim), dim, delta_loss, distance
    )
    assert two == pytest.approx((predicted, 0.0))
    # a larger loss gap or a closer start needs fewer dimensions
    assert prediction.predicted_threshold(nodes, weights, probes, dim, 0.5, distance)[0] < predicted
    assert prediction.predicted_threshold(nodes, weights, probes, dim, delta_loss, 1.0)[0] < predicted
    assert prediction.predicted_threshold(nodes, weights, probes, dim, delta_loss, distance, floor=1.0)[0] < predicted
    with pytest.raises(ValueError):
        prediction.predicted_threshold(nodes, weights, probes, dim, 0.0, distance)


def test_loss_levels_monotone_interpolation():
    accuracy = np.array([0.1, 0.2, 0.5, 0.5, 0.9, np.nan])
    loss = np.array([2.3, 2.0, 1.2, 1.4, 0.3, 0.1])
    levels = prediction.loss_levels(accuracy, loss, [0.1, 0.5, 0.7, 0.95, 0.05])
    assert levels[0] == pytest.approx(2.3) and levels[1] == pytest.approx(1.3)  # ties averaged
    assert levels[1] > levels[2] > 0.3
    assert np.isnan(levels[3]) and np.isnan(levels[4])  # outside the observed accuracies
    noisy = prediction.loss_levels([0.1, 0.2, 0.3], [1.0, 2.0, 0.5], np.linspace(0.1, 0.3, 7))
    assert np.all(np.diff(noisy) <= 1e-12)  # a decreasing fit even when the pairs are not


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
    solution = train_baseline(tiny_data, start, SubspaceConfig(lr=0.01, batch_size=16, epochs=2))
    return start, burned, solution


def test_solution_trains_every_weight_with_the_subspace_budget(tiny_data, tiny_checkpoints):
    start, _, solution = tiny_checkpoints
    assert solution["steps"] == 2 * steps_per_epoch(len(tiny_data.y_train), 16)
    assert solution["theta"].shape == start["theta"].shape and solution["t0"] is None
    assert solution["train_loss"] < start["train_loss"]
    assert solution["distance_from_start"] == pytest.approx(
        float(torch.linalg.norm(solution["theta"] - start["theta"]))
    )
    again = train_baseline(tiny_data, start, SubspaceConfig(lr=0.01, batch_size=16, epochs=2))
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


def synthetic_spectra(eigenvalues: np.ndarray) -> pd.DataFrame:
    """A spectrum table with one burn-in point (t0 = 0, train acc 0.4, distance 2) and the solution (loss 0.2)."""
    dim = eigenvalues.size
    common = {
        "dataset": "toy",
        "model": "net",
        "seed": 0,
        "n_params": dim,
        "slq_nodes": list(eigenvalues),
        "slq_weights": [1.0 / dim] * dim,
        "slq_probe": [0] * dim,
        "top_eigenvalues": sorted(eigenvalues)[::-1][:3],
    }
    start = {
        "point": "t0_0",
        "t0": 0,
        "train_loss": 1.5,
        "train_acc": 0.4,
        "test_acc": 0.4,
        "subset_loss": 1.6,
        "quadratic_subset_loss": 1.1,
        "distance_to_solution": 2.0,
        "rayleigh_over_mean": 1.2,
    }
    solution = {
        "point": "solution",
        "t0": None,
        "train_loss": 0.2,
        "train_acc": 0.95,
        "test_acc": 0.9,
        "subset_loss": 0.25,
        "quadratic_subset_loss": 0.25,
        "distance_to_solution": 0.0,
        "rayleigh_over_mean": float("nan"),
    }
    table = pd.DataFrame([{**common, **start}, {**common, **solution}])
    table["t0"] = table["t0"].astype("Int64")
    return table


def test_prediction_table_statuses_gap_and_the_closed_form():
    eigenvalues = np.geomspace(1e-3, 2.0, 30)
    spectra = synthetic_spectra(eigenvalues)
    runs = pd.DataFrame(
        {
            "dataset": "toy",
            "model": "net",
            "status": ["ok", "ok", "ok", "diverged"],
            "train_acc": [0.5, 0.7, 0.9, np.nan],
            "test_acc": [0.5, 0.7, 0.9, np.nan],
            "train_loss": [1.0, 0.6, 0.1, np.nan],
        }
    )
    # pairs: (0.4, 1.5) start, (0.5, 1.0), (0.7, 0.6), (0.9, 0.1), (0.95, 0.2) solution -> isotonic pools the last two
    epsilons = [0.3, 0.4, 0.6, 0.92, 0.99]
    cells = [
        {
            "dataset": "toy",
            "model": "net",
            "n_params": 30,
            "t0": 0,
            "metric": "train_acc",
            "epsilon": e,
            "delta": 0.1,
            "d_star": d,
            "d_star_lo": d,
            "d_star_hi": None,
            "d_max": 64,
        }
        for e, d in zip(epsilons, [4, 4, 16, None, None])
    ]
    table = prediction.prediction_table(spectra, runs, pd.DataFrame(cells))
    assert list(table.columns[: len(prediction.PREDICTION_COLUMNS)]) == prediction.PREDICTION_COLUMNS
    rows = table.set_index("epsilon")
    status = rows["prediction_status"].to_dict()
    assert status == {
        0.3: "start_inside",
        0.4: "start_inside",
        0.6: "ok",
        0.92: "below_solution",
        0.99: "no_loss_level",
    }
    assert rows.loc[0.4, "d_star_predicted"] == 0
    regular = rows.loc[0.6]
    assert regular["loss_level"] == pytest.approx(0.8) and regular["delta_loss"] == pytest.approx(0.6)
    c = 2 * 0.6 / 2.0**2
    assert regular["d_star_predicted"] == pytest.approx(np.sum(eigenvalues / (eigenvalues + c)))
    assert regular["w2_predicted"] == pytest.approx(30 - regular["d_star_predicted"])
    assert regular["gap"] == pytest.approx(16 - regular["d_star_predicted"])
    assert regular["log2_ratio"] == pytest.approx(np.log2(16 / regular["d_star_predicted"]))
    assert regular["d_star_predicted_top_k"] <= regular["d_star_predicted"]
    assert regular["start_loss_quadratic"] == pytest.approx(0.2 + 1.1 - 0.25)
    assert rows.loc[0.92, "d_star_above_grid"] and np.isnan(rows.loc[0.92, "gap"])
    empty = prediction.prediction_table(spectra, runs, pd.DataFrame(cells).iloc[0:0])
    assert empty.empty and "gap" in empty.columns
