"""Jamming figures of one (dataset, depth): the phase diagram in (P, N), double descent of the test error against
N / N*(P) with the ensemble beside it, and N_Delta / N across the transition."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from dof.analysis.jamming import n_star_50  # noqa: E402
from dof.analysis.plotting import rows_of  # noqa: E402


def phase_diagram(
    success: pd.DataFrame, thresholds: pd.DataFrame, c0: pd.DataFrame, dataset: str, depth: int
) -> plt.Figure:
    """N against P (log-log): every (P, N) cell shaded by its fraction of fitted runs, N*(P) at 50 % (fitted, with
    its Fieller interval; open markers: the grid N* where the fit is not ok) and the line N = c0 P."""
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    cells = rows_of(success, dataset=dataset, depth=depth)
    points = ax.scatter(
        cells["n_train"], cells["n_params"], c=cells["p_success"], cmap="viridis", vmin=0, vmax=1, marker="s", s=90
    )
    fig.colorbar(points, ax=ax, label="fraction of runs with L = 0")
    half = rows_of(thresholds, dataset=dataset, depth=depth)
    half = half[np.isclose(half["level"], 0.5)].sort_values("n_train")
    fit = half[half["fit_status"].eq("ok")]
    if len(fit):
        y = fit["n_star_fit"].astype(float).to_numpy()
        lo = np.nan_to_num(y - fit["n_star_fit_lo"].astype(float).to_numpy(), nan=0.0)
        hi = np.nan_to_num(fit["n_star_fit_hi"].astype(float).to_numpy() - y, nan=0.0)
        ax.errorbar(fit["n_train"], y, yerr=[lo, hi], fmt="o", color="red", capsize=3, label="N*(P), 50 % (fit)")
    grid = half[~half["fit_status"].eq("ok")].dropna(subset=["n_star"])
    if len(grid):
        ax.plot(grid["n_train"], grid["n_star"].astype(float), "o", mfc="none", color="red", label="N*(P), grid")
    ratio = rows_of(c0, dataset=dataset, depth=depth)
    ratio = ratio[np.isclose(ratio["level"], 0.5) & ratio["fit_status"].eq("ok")]
    if len(ratio):
        value, lo, hi = (float(ratio.iloc[0][key]) for key in ("c0", "c0_lo", "c0_hi"))
        p = np.geomspace(cells["n_train"].min(), cells["n_train"].max(), 50)
        ax.plot(p, value * p, "k--", label=f"N = c0 P, c0 = {value:.3g} [{lo:.3g}, {hi:.3g}]")
    ax.set(xscale="log", yscale="log", xlabel="training points P", ylabel="parameters N")
    ax.set_title(f"jamming: {dataset}, depth {depth}")
    ax.legend(fontsize=7, loc="upper left")
    return fig


def _scaled(table: pd.DataFrame, thresholds: pd.DataFrame, dataset: str, depth: int) -> pd.DataFrame:
    """The rows of one dataset and depth with x = N / N*(P) (cells without an N* are left out)."""
    stars = n_star_50(thresholds)
    rows = rows_of(table, dataset=dataset, depth=depth).merge(stars, on=["dataset", "depth", "n_train"], how="inner")
    rows = rows[np.isfinite(rows["n_star_50"].to_numpy(float))]
    return rows.assign(x=rows["n_params"] / rows["n_star_50"]).sort_values(["n_train", "x"])


def double_descent(ensembles: pd.DataFrame, thresholds: pd.DataFrame, dataset: str, depth: int) -> plt.Figure:
    """Test error against N / N*(P), one colour per P: the mean over single networks (solid) and the ensemble
    average f_bar over the seeds (dashed); the dotted line marks N = N*."""
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    rows = _scaled(ensembles, thresholds, dataset, depth)
    colours = plt.cm.plasma(np.linspace(0, 0.85, max(1, rows["n_train"].nunique())))
    for colour, (p, curve) in zip(colours, rows.groupby("n_train")):
        ax.plot(curve["x"], curve["mean_test_error"], "o-", color=colour, label=f"P = {p}")
        ax.plot(curve["x"], curve["ensemble_test_error"], "s--", color=colour, mfc="none")
    ax.axvline(1.0, color="grey", ls=":")
    ax.plot([], [], "k-", label="single networks (mean)")
    ax.plot([], [], "k--", label="ensemble average")
    ax.set(xscale="log", xlabel="N / N*(P)", ylabel="test error")
    ax.set_title(f"double descent: {dataset}, depth {depth}")
    ax.legend(fontsize=7)
    return fig


def n_delta_figure(summary: pd.DataFrame, thresholds: pd.DataFrame, dataset: str, depth: int) -> plt.Figure:
    """Mean N_Delta / N (points with y f < 1 per parameter) against N / N*(P), one curve per P."""
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    rows = _scaled(summary, thresholds, dataset, depth)
    colours = plt.cm.plasma(np.linspace(0, 0.85, max(1, rows["n_train"].nunique())))
    for colour, (p, curve) in zip(colours, rows.groupby("n_train")):
        ax.plot(curve["x"], curve["n_delta_over_n"], "o-", color=colour, label=f"P = {p}")
    ax.axvline(1.0, color="grey", ls=":")
    ax.set(xscale="log", xlabel="N / N*(P)", ylabel="N_Delta / N (mean over seeds)")
    ax.set_title(f"unsatisfied constraints: {dataset}, depth {depth}")
    ax.legend(fontsize=7)
    return fig


def degrees_of_freedom(two_ways: pd.DataFrame, dataset: str) -> plt.Figure:
    """Degrees of freedom two ways against P (log-log): N*(P) of every depth and d*(P) of the wide network's random
    subspaces at 50 %. Filled markers: the fit with its Fieller interval; open markers: the grid value with its
    bootstrap interval; open triangles: censored (above the grid: at its top, pointing up; below: at its bottom)."""
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    rows = two_ways[two_ways["dataset"].eq(dataset)]
    colours = plt.cm.tab10(np.arange(max(1, rows["quantity"].nunique())) % 10)
    for colour, (quantity, curve) in zip(colours, rows.groupby("quantity", sort=True)):
        curve = curve.sort_values("n_train")
        fit = curve[curve["source"].eq("fit")]
        grid = curve[curve["source"].eq("grid") & np.isfinite(curve["estimate"].to_numpy(float))]
        grid = grid[grid["censoring"].eq("measured")]
        for points, face in ((fit, colour), (grid, "none")):
            if len(points):
                y = points["estimate"].to_numpy(float)
                lo = np.nan_to_num(y - points["lo"].to_numpy(float), nan=0.0).clip(min=0)
                hi = np.nan_to_num(points["hi"].to_numpy(float) - y, nan=0.0).clip(min=0)
                ax.errorbar(points["n_train"], y, yerr=[lo, hi], fmt="o", mfc=face, color=colour, capsize=3)
        above = curve[curve["censoring"].eq("above_grid") & ~curve["source"].eq("fit")]
        below = curve[curve["censoring"].eq("below_grid") & ~curve["source"].eq("fit")]
        ax.plot(above["n_train"], above["grid_max"], "^", mfc="none", color=colour, ms=9)
        ax.plot(below["n_train"], below["grid_min"], "v", mfc="none", color=colour, ms=9)
        ax.plot(curve["n_train"], curve["estimate"], "-", color=colour, alpha=0.5, label=quantity)
    if len(rows):
        p = np.geomspace(rows["n_train"].min(), rows["n_train"].max(), 20)
        ax.plot(p, p / 2, ":", color="grey", label="P / 2 (Cover, linear)")
    ax.set(xscale="log", yscale="log", xlabel="training points P", ylabel="N* (parameters) or d* (directions), 50 %")
    ax.set_title(f"degrees of freedom two ways: {dataset}")
    ax.legend(fontsize=7, loc="upper left")
    return fig
