"""Connectivity figures of one (dataset, depth): the dropout gap against width, the barriers of both paths against
width (log-log, fitted slopes, the seed's rate log N / N), and the loss along both paths at one width."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from dof.analysis.plotting import rows_of  # noqa: E402
from dof.tables import CONNECTIVITY_SPLITS  # noqa: E402


def _fit_label(fit: pd.DataFrame) -> str:
    """'slope s [lo, hi]' of a slopes row (or 'no fit')."""
    if fit.empty or not np.isfinite(fit.iloc[0]["slope"]):
        return "no fit"
    row = fit.iloc[0]
    return f"slope {row['slope']:.2f} [{row['slope_lo']:.2f}, {row['slope_hi']:.2f}]"


def _scatter_with_fit(ax: plt.Axes, points: pd.DataFrame, column: str, fit: pd.DataFrame, colour, label: str) -> None:
    """Points per run or pair, their mean per width and the fitted power law."""
    ax.plot(points["width"], points[column].clip(lower=1e-12), ".", color=colour, alpha=0.35)
    means = points.groupby("width")[column].mean()
    ax.plot(means.index, means.to_numpy(), "o-", color=colour, label=f"{label}: {_fit_label(fit)}")
    if not fit.empty and np.isfinite(fit.iloc[0]["slope"]):
        n = np.geomspace(points["width"].min(), points["width"].max(), 50)
        ax.plot(n, np.exp(fit.iloc[0]["intercept"]) * n ** fit.iloc[0]["slope"], "--", color=colour, lw=1)


def _seed_rate(ax: plt.Axes, points: pd.DataFrame, column: str) -> None:
    """The seed's rate c log N / N, through the mean of `column` at the smallest width (its shape only)."""
    widths = np.sort(points["width"].unique()).astype(float)
    if len(widths) < 2:  # also no points at all (no kept fraction of 1/2)
        return
    first = points[points["width"].eq(widths[0])][column].mean()
    if not np.isfinite(first) or first <= 0 or widths[0] <= 1:
        return
    n = np.geomspace(widths[0], widths[-1], 50)
    ax.plot(n, first * (np.log(n) / n) / (np.log(widths[0]) / widths[0]), ":", color="black", label="seed: log N / N")


def gap_figure(gaps: pd.DataFrame, slopes: pd.DataFrame, dataset: str, depth: int) -> plt.Figure:
    """|L_N - L_M| against width N (log-log), one colour per kept fraction M / N, one panel per split: points per
    run (mean over subsets), means per width, the fitted slope with its interval, the seed's rate."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True, squeeze=False)
    rows, fits = rows_of(gaps, dataset=dataset, depth=depth), rows_of(slopes, dataset=dataset, depth=depth)
    fractions = sorted(rows["fraction"].unique())
    colours = plt.cm.viridis(np.linspace(0, 0.85, max(1, len(fractions))))
    for ax, split in zip(axes[0], CONNECTIVITY_SPLITS):
        for colour, fraction in zip(colours, fractions):
            points = rows[rows["split"].eq(split) & rows["fraction"].eq(fraction)]
            fit = fits[fits["quantity"].eq("gap") & fits["split"].eq(split) & np.isclose(fits["fraction"], fraction)]
            _scatter_with_fit(ax, points, "gap", fit, colour, f"M/N = {fraction:g}")
        _seed_rate(ax, rows[rows["split"].eq(split) & np.isclose(rows["fraction"], 0.5)], "gap")
        ax.set(xscale="log", yscale="log", xlabel="width N", title=f"{split} loss")
        ax.legend(fontsize=7)
    axes[0, 0].set_ylabel("dropout gap |L_N - L_M| (mean over subsets)")
    fig.suptitle(f"dropout stability: {dataset}, {depth} hidden layer(s)")
    return fig


def barrier_figure(barriers: pd.DataFrame, slopes: pd.DataFrame, dataset: str, depth: int) -> plt.Figure:
    """Barriers (max loss along the path - max of the ends) against width, straight line and dropout path, one
    panel per split, with fitted slopes and the seed's rate; zero barriers are drawn at 1e-12 and left out of fits."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True, squeeze=False)
    rows, fits = rows_of(barriers, dataset=dataset, depth=depth), rows_of(slopes, dataset=dataset, depth=depth)
    for ax, split in zip(axes[0], CONNECTIVITY_SPLITS):
        for colour, path in zip(("tab:red", "tab:blue"), ("straight", "dropout")):
            points = rows[rows["split"].eq(split) & rows["path"].eq(path)]
            fit = fits[fits["quantity"].eq(f"barrier_{path}") & fits["split"].eq(split)]
            _scatter_with_fit(ax, points, "barrier", fit, colour, f"{path} path")
        _seed_rate(ax, rows[rows["split"].eq(split) & rows["path"].eq("dropout")], "barrier")
        ax.set(xscale="log", yscale="log", xlabel="width N", title=f"{split} loss")
        ax.legend(fontsize=7)
    axes[0, 0].set_ylabel("loss barrier")
    fig.suptitle(f"connectivity: {dataset}, {depth} hidden layer(s)")
    return fig


def path_width(curves: pd.DataFrame, requested: int | None) -> int:
    """The width whose paths are drawn: `requested`, or the smallest width of the grid."""
    widths = sorted(curves["width"].unique())
    if requested is None:
        return int(widths[0])
    if requested not in widths:
        raise ValueError(f"connectivity.path_width = {requested} is not one of the widths {widths}")
    return int(requested)


def path_figure(curves: pd.DataFrame, dataset: str, depth: int, width: int | None = None) -> plt.Figure:
    """The loss along the straight line (left) and along the dropout path (right) of every pair at one width, train
    (solid) and test (dashed); the right panel marks the segments and their kinds."""
    rows = rows_of(curves, dataset=dataset, depth=depth)
    width = path_width(rows, width)
    rows = rows[rows["width"].eq(width)]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True, gridspec_kw={"width_ratios": [1, 2.5]})
    pairs = rows[["seed_a", "seed_b"]].drop_duplicates().itertuples(index=False)
    colours = plt.cm.tab10(np.arange(10))
    for colour, (seed_a, seed_b) in zip(colours, pairs):
        pair = rows[rows["seed_a"].eq(seed_a) & rows["seed_b"].eq(seed_b)]
        for ax, path in zip(axes, ("straight", "dropout")):
            for split, style in zip(CONNECTIVITY_SPLITS, ("-", "--")):
                curve = pair[pair["path"].eq(path) & pair["split"].eq(split)].sort_values("position")
                label = f"seeds {seed_a}-{seed_b}, {split}" if path == "straight" else None
                ax.plot(curve["position"], curve["loss"], style, color=colour, label=label)
    segments = rows[rows["path"].eq("dropout")].drop_duplicates("segment").sort_values("segment")
    n_segments = max(1, len(segments))
    for segment in segments.itertuples():
        axes[1].axvline(segment.segment / n_segments, color="grey", lw=0.5)
        axes[1].text((segment.segment + 0.5) / n_segments, 1.0, segment.kind, transform=axes[1].get_xaxis_transform(),
                     ha="center", va="bottom", fontsize=6)  # fmt: skip
    axes[0].set(xlabel="t (straight line)", ylabel="loss", title="straight line")
    axes[1].set(xlabel="position along the dropout path (segments)")
    axes[1].set_title("path through the dropout-stable halves", pad=14)
    axes[0].legend(fontsize=6)
    fig.suptitle(f"loss along the paths: {dataset}, {depth} hidden layer(s), N = {width}", y=1.04)
    return fig
