"""The theory figures are legible where the report shows them (about 900 px wide): every text at least MIN_TEXT_PX
screen pixels high, with every panel they drew before the wide ones were wrapped into rows."""

import numpy as np
import pandas as pd
import pytest

from dof.analysis import plotting, theory_figures
from dof.config import QuadraticConfig, from_mapping
from dof.theory import quadratic

MIN_TEXT_PX = 8.0
"""The smallest text height, in screen pixels at the report's width, that a figure may have (the wide figures had
4.4 px legends and 5.7 px boxes before)."""


def drawn_axes(fig) -> list:
    """The axes of a figure that show something (not the colour bars, not the empty slots)."""
    return [ax for ax in fig.axes if ax.axison and ax.get_label() != "<colorbar>" and (ax.lines or ax.collections)]


def test_shown_text_px_scales_a_wide_png_down_to_the_report_width_only():
    assert plotting.shown_text_px(9, png_width=900) == pytest.approx(9 * 150 / 72)
    assert plotting.shown_text_px(9, png_width=450) == pytest.approx(9 * 150 / 72)  # shown at its own size
    assert plotting.shown_text_px(6.5, png_width=2792) == pytest.approx(4.4, abs=0.05)  # the old figure 5's legend


@pytest.fixture(scope="module")
def wells() -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    settings = from_mapping(
        QuadraticConfig,
        {"n_params": 24, "n_subspaces": 4, "n_width_samples": 8, "distances": [1.0, 2.0, 4.0]},
        "theory.quadratic",
    )
    success = quadratic.quadratic_success(settings)
    return quadratic.quadratic_spectra(settings), success, quadratic.quadratic_widths(settings, success)


def test_figure5_is_legible_at_the_report_width_and_keeps_every_panel(wells):
    spectra, success, widths = wells
    fig = theory_figures.quadratic_figure(spectra, success, widths)
    assert plotting.smallest_text_px(fig) >= MIN_TEXT_PX
    assert len(drawn_axes(fig)) == len(spectra) * (1 + 1 + 3)  # eigenvalues, theory panel, three P_s maps
    assert fig.axes[0].get_gridspec().ncols == theory_figures.MAP_COLUMNS


def spectra_table(t0s: list[int], seeds: list[int]) -> pd.DataFrame:
    """A hessian_spectra table: one row per (seed, point), the burn-in points and theta*."""
    grid = np.linspace(-1, 3, 50)
    rows = []
    for seed in seeds:
        for point, t0 in [*((f"t0_{t0}", t0) for t0 in t0s), ("solution", max(t0s))]:
            rows.append(
                {
                    "dataset": "mnist5k",
                    "model": "conv2",
                    "n_params": 20490,
                    "n_examples": 500,
                    "slq_probes": 3,
                    "seed": seed,
                    "point": point,
                    "t0": t0,
                    "density_grid": grid,
                    "density": np.exp(-(grid**2)),
                    "top_eigenvalues": np.linspace(3, 0.5, 12),
                    "n_outliers": 4,
                    "n_classes": 10,
                    "lambda_max": 3.0,
                    "trace": 40.0,
                    "trace_stderr": 20.0,
                    "distance_to_solution": 0.0 if point == "solution" else 5.0,
                    "train_acc": 0.5,
                }
            )
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("t0s", "seeds"), [([0, 4, 16], [0]), ([0, 4], [0, 1]), ([0, 4, 8, 16], [0])])
def test_hessian_spectra_wrap_into_rows_legible_at_the_report_width(t0s, seeds):
    fig = theory_figures.hessian_spectra_figure(spectra_table(t0s, seeds))
    assert plotting.smallest_text_px(fig) >= MIN_TEXT_PX
    assert len(drawn_axes(fig)) == len(seeds) * (len(t0s) + 1)  # one panel per seed and checkpoint
    assert fig.axes[0].get_gridspec().ncols <= theory_figures.SPECTRA_COLUMNS


def test_prediction_figure_is_legible_at_the_report_width():
    rows = []
    for metric in ("train_acc", "test_acc"):
        for t0 in (0, 4, 16):
            for eps in (0.3, 0.6, 0.9):
                rows.append(
                    {
                        "dataset": "mnist5k",
                        "model": "conv2",
                        "n_params": 20490,
                        "metric": metric,
                        "t0": t0,
                        "epsilon": eps,
                        "d_star": 64 if eps < 0.9 else None,
                        "d_star_lo": 32 if eps < 0.9 else None,
                        "d_star_hi": 64 if eps < 0.9 else None,
                        "d_max": 4096,
                        "d_star_predicted": 200.0,
                        "d_star_predicted_stderr": 20.0,
                        "d_star_predicted_top_k": 10.0,
                        "log2_ratio": -1.6 if eps < 0.9 else None,
                    }
                )
    table = pd.DataFrame(rows)
    for column in ("d_star", "d_star_lo", "d_star_hi"):
        table[column] = table[column].astype("Int64")
    fig = theory_figures.prediction_figure(table)
    assert plotting.smallest_text_px(fig) >= MIN_TEXT_PX
