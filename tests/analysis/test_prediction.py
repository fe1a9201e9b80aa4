"""The quadratic prediction of d*: the SLQ trace formula, loss levels and the joined prediction table."""

import numpy as np
import pandas as pd
import pytest

from dof.analysis import prediction
from dof.theory import widths


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
