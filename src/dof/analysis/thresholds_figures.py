"""Figures of the thresholds stage: the paper's figure 2 (P_s over d and epsilon with d*), figure 3 (d* against
epsilon per t0) and figure 6 (d* / D across architectures and datasets)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from dof.analysis.plotting import METRIC_LABELS, _edges, _note_failed_baseline, full_model_accuracy  # noqa: E402
from dof.config import INIT  # noqa: E402


def curve_keys(table: pd.DataFrame) -> list[tuple[str, int]]:
    """The (start, t0) curves of a success or threshold table, init's first (tables without a start: init's)."""
    starts = table["start"] if "start" in table.columns else pd.Series(INIT, index=table.index)
    keys = set(zip(starts, table["t0"]))
    return sorted(keys, key=lambda key: (key[0] != INIT, key[0], key[1]))


def curve_rows(table: pd.DataFrame, key: tuple[str, int]) -> pd.Series:
    """The rows of one (start, t0) curve, as a mask."""
    start, t0 = key
    starts = table["start"] if "start" in table.columns else pd.Series(INIT, index=table.index)
    return (starts == start) & (table["t0"] == t0)


def curve_label(key: tuple[str, int], keys: list[tuple[str, int]]) -> str:
    """`t0 = 4`, or `pretrained, t0 = 4` when the table holds more than one start."""
    t0 = f"$t_0$ = {key[1]}"
    return t0 if {start for start, _ in keys} == {key[0]} else f"{key[0]}, {t0}"


def success_map_figure(
    success: pd.DataFrame, thresholds: pd.DataFrame, baseline: pd.DataFrame | None = None
) -> plt.Figure:
    """Figure 2: P_s over (d, epsilon), one panel per (metric, start and t0), with the d*(delta) curve overlaid and,
    given a full-model baseline table, the mean accuracy of its 'ok' seeds as a dashed line (omitted, with a note,
    when no seed trained)."""
    metrics = [m for m in METRIC_LABELS if m in set(success["metric"])]
    keys = curve_keys(success)
    fig, axes = plt.subplots(
        len(metrics),
        len(keys),
        figsize=(3.2 * len(keys) + 1, 2.8 * len(metrics)),
        squeeze=False,
        sharey=True,
        layout="constrained",
    )
    mesh = None
    for row, metric in enumerate(metrics):
        for col, key in enumerate(keys):
            ax = axes[row, col]
            cell = success[(success["metric"] == metric) & curve_rows(success, key) & (success["d"] > 0)]
            grid = cell.pivot_table(index="epsilon", columns="d", values="p_success")
            dims, eps = grid.columns.to_numpy(), grid.index.to_numpy()
            mesh = ax.pcolormesh(
                _edges(dims, log=True), _edges(eps, log=False), grid.to_numpy(), cmap="Greys", vmin=0, vmax=1
            )
            curve = thresholds[(thresholds["metric"] == metric) & curve_rows(thresholds, key)].sort_values("epsilon")
            _map_d_star(ax, curve, dims)
            reference = full_model_accuracy(baseline, metric)
            if reference is not None:
                ax.axhline(reference, color="tab:blue", ls="--", lw=1, label="full model")
            if ax.get_legend_handles_labels()[0]:
                ax.legend(loc="lower right", fontsize=7)
            ax.set_xscale("log", base=2)
            ax.set_title(f"{METRIC_LABELS[metric]}, {curve_label(key, keys)} steps", fontsize=9)
            if row == len(metrics) - 1:
                ax.set_xlabel("training dimension d")
            if col == 0:
                ax.set_ylabel(r"accuracy threshold $\epsilon$")
    first = success.iloc[0]
    fig.suptitle(f"Success probability, {first['dataset']} / {first['model']} (D = {first['n_params']:,})")
    _note_failed_baseline(fig, baseline)
    fig.colorbar(mesh, ax=axes, label=r"success probability $P_s$", shrink=0.8)
    return fig


def censoring(thresholds: pd.DataFrame) -> pd.Series:
    """The `censoring` column of a threshold table; for tables without one: measured, or above_grid where d* is null."""
    if "censoring" in thresholds.columns:
        return thresholds["censoring"]
    return pd.Series(np.where(thresholds["d_star"].isna(), "above_grid", "measured"), index=thresholds.index)


def _map_d_star(ax: plt.Axes, curve: pd.DataFrame, dims: np.ndarray) -> None:
    """Figure 2's d* over a success map: measured d* as red points on a line; d* = 0 (the start succeeds) or below
    the grid as open triangles pointing left on the map's left edge, never reached as ones pointing right on its
    right edge."""
    if curve.empty or len(dims) == 0:
        return
    delta = float(curve["delta"].iloc[0])
    kind = censoring(curve)
    measured = curve[kind == "measured"]
    if not measured.empty:
        label = rf"$d^*$ ($P_s \geq {1 - delta:g}$)"
        ax.plot(measured["d_star"].astype(float), measured["epsilon"], "o-", color="tab:red", ms=3, label=label)
    left, right = _edges(np.sort(dims), log=True)[[0, -1]]
    edges = (("<", ("start", "below_grid"), left, r"$d^*$ = 0 (start) or below grid"),)
    edges += ((">", ("above_grid",), right, r"$d^*$ above grid"),)
    for marker, kinds, edge, label in edges:
        rows = curve[kind.isin(kinds)]
        if not rows.empty:
            x = np.full(len(rows), edge)
            ax.plot(x, rows["epsilon"], marker, color="tab:red", mfc="none", ms=5, label=label, clip_on=False)


def threshold_figure(thresholds: pd.DataFrame) -> plt.Figure:
    """Figure 3: d* against epsilon, one colour per (start, t0) curve (the t0 alone for one start), one panel per
    metric: the grid d* as steps (band: bootstrap
    interval), the fitted d* (binomial GLM on log2 d, fit_status ok) as points with their Fieller interval, censored
    grid d* as open triangles just outside the grid (down: d* = 0 or below the grid; up: never reached)."""
    metrics = [m for m in METRIC_LABELS if m in set(thresholds["metric"])]
    fig, axes = plt.subplots(
        1, len(metrics), figsize=(4.8 * len(metrics) + 1.6, 3.8), squeeze=False, sharey=True, layout="constrained"
    )
    colors = plt.get_cmap("viridis")
    keys = curve_keys(thresholds)
    d_min = float(thresholds["d_min"].min()) if "d_min" in thresholds.columns else 1.0
    d_max = float(thresholds["d_max"].max())
    all_eps = np.unique(thresholds["epsilon"].to_numpy(float))
    shift = 0.1 * (np.diff(all_eps).min() if len(all_eps) > 1 else 0.05)
    for ax, metric in zip(axes[0], metrics):
        for i, key in enumerate(keys):
            curve = thresholds[(thresholds["metric"] == metric) & curve_rows(thresholds, key)].sort_values("epsilon")
            if curve.empty:
                continue
            color = colors(0.9 * i / max(len(keys) - 1, 1))
            eps = curve["epsilon"].to_numpy(float)
            offset = shift * (i - (len(keys) - 1) / 2)  # side by side: the curves' points and bounds at one epsilon
            kind = censoring(curve).to_numpy()
            measured = kind == "measured"
            grid = np.where(measured, curve["d_star"].astype("Float64").astype(float), np.nan)
            edges = _edges(eps, log=False) if len(eps) > 1 else eps[0] + np.array([-0.025, 0.025])
            label = curve_label(key, keys)
            ax.plot(np.repeat(edges, 2)[1:-1], np.repeat(grid, 2), color=color, lw=1.4, label=label)
            lo = curve["d_star_lo"].astype("Float64").astype(float).clip(lower=d_min).fillna(d_min).to_numpy()
            hi = curve["d_star_hi"].astype("Float64").astype(float).fillna(d_max).to_numpy()
            for j in np.flatnonzero(measured):  # one step of band per measured epsilon
                ax.fill_between(edges[j : j + 2], lo[j], hi[j], color=color, alpha=0.12, lw=0)
            if "fit_status" in curve.columns:
                fitted = curve[curve["fit_status"] == "ok"]
                value = fitted["d_star_fit"].astype(float).to_numpy()
                low = fitted["d_star_fit_lo"].astype(float).fillna(d_min / 2).to_numpy()
                high = fitted["d_star_fit_hi"].astype(float).fillna(d_max * 2).to_numpy()
                x = fitted["epsilon"].to_numpy(float) + offset
                yerr = np.clip([value - low, high - value], 0, None)
                ax.errorbar(x, value, yerr=yerr, fmt="o", color=color, ms=3.5, capsize=2, lw=1)
            for marker, kinds, edge in (
                ("v", ("start", "below_grid"), d_min / 1.6),
                ("^", ("above_grid",), d_max * 1.6),
            ):
                rows = np.isin(kind, kinds)
                ax.plot(eps[rows] + offset, np.full(rows.sum(), edge), marker, color=color, mfc="none", ms=6)
        ax.set_yscale("log", base=2)
        ax.set_ylim(d_min / 2.5, d_max * 2.5)
        ax.set_xlabel(rf"{METRIC_LABELS[metric]} threshold $\epsilon$")
        ax.set_title(METRIC_LABELS[metric], fontsize=9)
    delta = float(thresholds["delta"].iloc[0])
    legend = axes[0, 0]
    legend.step([], [], color="grey", lw=1.4, label=r"grid $d^*$ (band: bootstrap)")
    legend.errorbar([], [], yerr=[], fmt="o", color="grey", ms=3.5, capsize=2, label=r"fitted $d^*$ (GLM, Fieller)")
    legend.plot([], [], "v", color="grey", mfc="none", label=r"$d^*$ = 0 (start) / below grid")
    legend.plot([], [], "^", color="grey", mfc="none", label=r"not reached by $d_{max}$")
    title = "burn-in steps" if len({start for start, _ in keys}) == 1 else "start, burn-in steps"
    fig.legend(*legend.get_legend_handles_labels(), loc="outside right upper", fontsize=7, title=title)
    axes[0, 0].set_ylabel(r"threshold training dimension $d^*$ (parameters)")
    first = thresholds.iloc[0]
    fig.suptitle(
        f"$d^*$ ($P_s \\geq {1 - delta:g}$), {first['dataset']} / {first['model']} (D = {first['n_params']:,})"
    )
    return fig


def threshold_fraction_figure(thresholds: pd.DataFrame, t0: int = 0) -> plt.Figure:
    """Figure 6: d* / D against the accuracy threshold, one curve per (architecture, dataset), train and test, from
    the seeded initialisation (start init)."""
    metrics = [m for m in METRIC_LABELS if m in set(thresholds["metric"])]
    rows = thresholds[(thresholds["t0"] == t0) & curve_rows(thresholds, (INIT, t0))]
    if "method" in rows.columns:
        rows = rows[rows["method"].isin(["random", "burn_in"])]
    fig, axes = plt.subplots(
        1, len(metrics), figsize=(4.8 * len(metrics), 3.6), squeeze=False, sharey=True, layout="constrained"
    )
    pairs = rows[["model", "dataset"]].drop_duplicates().sort_values(["model", "dataset"]).itertuples(index=False)
    pairs = list(pairs)
    colors = plt.get_cmap("tab10")
    for ax, metric in zip(axes[0], metrics):
        for i, (model, dataset) in enumerate(pairs):
            curve = rows[(rows["metric"] == metric) & (rows["model"] == model) & (rows["dataset"] == dataset)]
            curve = curve[censoring(curve) == "measured"].sort_values("epsilon")  # no bounds on a fraction curve
            if curve.empty:
                continue
            n_params = int(curve["n_params"].iloc[0])
            ax.plot(
                curve["epsilon"],
                curve["d_star"].astype(float) / n_params,
                "o-",
                ms=3,
                color=colors(i % 10),
                label=f"{model} / {dataset} (D = {n_params:,})",
            )
        ax.set_yscale("log")
        ax.set_xlabel(rf"{METRIC_LABELS[metric]} threshold $\epsilon$")
        ax.set_title(METRIC_LABELS[metric], fontsize=9)
        ax.legend(fontsize=7)
    axes[0, 0].set_ylabel(r"$d^* / D$ (fraction of the parameters)")
    delta = float(thresholds["delta"].iloc[0])
    fig.suptitle(f"Threshold training dimension as a fraction of D ($P_s \\geq {1 - delta:g}$, $t_0$ = {t0})")
    return fig
