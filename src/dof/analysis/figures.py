"""The paper's figures from the success and threshold tables (matplotlib, written as PDF and PNG)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from dof.engine.io import atomic_path  # noqa: E402

METRIC_LABELS = {"train_acc": "train accuracy", "test_acc": "test accuracy"}


def _edges(values: np.ndarray, log: bool) -> np.ndarray:
    """Cell edges half-way between grid points (geometric on a log axis) for pcolormesh."""
    v = np.log2(values) if log else values.astype(float)
    step = np.diff(v) if len(v) > 1 else np.array([1.0])
    mids = (v[:-1] + v[1:]) / 2
    edges = np.concatenate([[v[0] - step[0] / 2], mids, [v[-1] + step[-1] / 2]])
    return 2.0**edges if log else edges


def rows_of(table: pd.DataFrame, **equal: object) -> pd.DataFrame:
    """The rows of a table whose columns equal the given values (one panel's dataset and model or depth)."""
    keep = np.ones(len(table), dtype=bool)
    for column, value in equal.items():
        keep &= table[column].eq(value).to_numpy()
    return table[keep]


def save_figure(fig: plt.Figure, stem: str | Path) -> list[Path]:
    """Write `stem`.pdf and `stem`.png atomically; return both paths."""
    paths = []
    for suffix in (".pdf", ".png"):
        path = Path(str(stem) + suffix)
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=suffix[1:], dpi=150, bbox_inches="tight")
        paths.append(path)
    plt.close(fig)
    return paths


def success_map_figure(
    success: pd.DataFrame, thresholds: pd.DataFrame, baseline: pd.DataFrame | None = None
) -> plt.Figure:
    """Figure 2: P_s over (d, epsilon), one panel per (metric, t0), with the d*(delta) curve overlaid and, given a
    full-model baseline table, the mean accuracy of its 'ok' seeds as a dashed line (omitted, with a note, when no
    seed trained)."""
    metrics = [m for m in METRIC_LABELS if m in set(success["metric"])]
    t0s = sorted(success["t0"].unique())
    fig, axes = plt.subplots(
        len(metrics),
        len(t0s),
        figsize=(3.2 * len(t0s) + 1, 2.8 * len(metrics)),
        squeeze=False,
        sharey=True,
        layout="constrained",
    )
    mesh = None
    for row, metric in enumerate(metrics):
        for col, t0 in enumerate(t0s):
            ax = axes[row, col]
            cell = success[(success["metric"] == metric) & (success["t0"] == t0) & (success["d"] > 0)]
            grid = cell.pivot_table(index="epsilon", columns="d", values="p_success")
            dims, eps = grid.columns.to_numpy(), grid.index.to_numpy()
            mesh = ax.pcolormesh(
                _edges(dims, log=True), _edges(eps, log=False), grid.to_numpy(), cmap="Greys", vmin=0, vmax=1
            )
            curve = thresholds[(thresholds["metric"] == metric) & (thresholds["t0"] == t0)].sort_values("epsilon")
            _map_d_star(ax, curve, dims)
            reference = full_model_accuracy(baseline, metric)
            if reference is not None:
                ax.axhline(reference, color="tab:blue", ls="--", lw=1, label="full model")
            if ax.get_legend_handles_labels()[0]:
                ax.legend(loc="lower right", fontsize=7)
            ax.set_xscale("log", base=2)
            ax.set_title(f"{METRIC_LABELS[metric]}, $t_0$ = {t0} steps", fontsize=9)
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
    """Figure 3: d* against epsilon, one colour per t0, one panel per metric: the grid d* as steps (band: bootstrap
    interval), the fitted d* (binomial GLM on log2 d, fit_status ok) as points with their Fieller interval, censored
    grid d* as open triangles just outside the grid (down: d* = 0 or below the grid; up: never reached)."""
    metrics = [m for m in METRIC_LABELS if m in set(thresholds["metric"])]
    fig, axes = plt.subplots(
        1, len(metrics), figsize=(4.8 * len(metrics) + 1.6, 3.8), squeeze=False, sharey=True, layout="constrained"
    )
    colors = plt.get_cmap("viridis")
    t0s = sorted(thresholds["t0"].unique())
    d_min = float(thresholds["d_min"].min()) if "d_min" in thresholds.columns else 1.0
    d_max = float(thresholds["d_max"].max())
    all_eps = np.unique(thresholds["epsilon"].to_numpy(float))
    shift = 0.1 * (np.diff(all_eps).min() if len(all_eps) > 1 else 0.05)
    for ax, metric in zip(axes[0], metrics):
        for i, t0 in enumerate(t0s):
            curve = thresholds[(thresholds["metric"] == metric) & (thresholds["t0"] == t0)].sort_values("epsilon")
            if curve.empty:
                continue
            color = colors(0.9 * i / max(len(t0s) - 1, 1))
            eps = curve["epsilon"].to_numpy(float)
            offset = shift * (i - (len(t0s) - 1) / 2)  # side by side: the points and bounds of the t0 at one epsilon
            kind = censoring(curve).to_numpy()
            measured = kind == "measured"
            grid = np.where(measured, curve["d_star"].astype("Float64").astype(float), np.nan)
            edges = _edges(eps, log=False) if len(eps) > 1 else eps[0] + np.array([-0.025, 0.025])
            ax.plot(np.repeat(edges, 2)[1:-1], np.repeat(grid, 2), color=color, lw=1.4, label=f"$t_0$ = {t0}")
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
    fig.legend(*legend.get_legend_handles_labels(), loc="outside right upper", fontsize=7, title="burn-in steps")
    axes[0, 0].set_ylabel(r"threshold training dimension $d^*$ (parameters)")
    first = thresholds.iloc[0]
    fig.suptitle(
        f"$d^*$ ($P_s \\geq {1 - delta:g}$), {first['dataset']} / {first['model']} (D = {first['n_params']:,})"
    )
    return fig


# ----------------------------------------------------------------------------------------------------------------
# The theory stage: figure 5 (quadratic wells), Hessian spectra, predicted vs measured d*


def _map_distances(distances: np.ndarray) -> list[float]:
    """Three distances for the P_s maps: all if at most three, else the smallest, the median and the largest."""
    distances = np.sort(np.unique(distances))
    if len(distances) <= 3:
        return [float(r) for r in distances]
    return [float(distances[0]), float(distances[len(distances) // 2]), float(distances[-1])]


def quadratic_figure(spectra: dict[str, np.ndarray], success: pd.DataFrame, widths: pd.DataFrame) -> plt.Figure:
    """Figure 5: per spectrum (row) its eigenvalues, P_s(d, epsilon) maps for three distances R with the empirical
    and predicted d*, and the empirical d* against the prediction D - w^2 for every (R, epsilon)."""
    names = [name for name in spectra if name in set(success["spectrum"])]
    distances = _map_distances(success["R"].to_numpy(float))
    n_cols = 2 + len(distances)
    fig, axes = plt.subplots(
        len(names), n_cols, figsize=(3.7 * n_cols, 3.4 * len(names)), squeeze=False, layout="constrained"
    )
    colors = plt.get_cmap("plasma")
    all_r = sorted(widths["R"].unique())
    mesh = None
    for row, name in enumerate(names):
        eigenvalues = np.asarray(spectra[name])
        dim = eigenvalues.size
        ax = axes[row, 0]
        ax.plot(np.arange(1, dim + 1), eigenvalues, color="black", lw=1.2)
        ax.set_yscale("log")
        ax.set_xlabel("eigenvalue index i")
        ax.set_ylabel(r"Hessian eigenvalue $\lambda_i$")
        ax.set_title(f"spectrum '{name}' (D = {dim:,})", fontsize=9)
        cell_w = widths[widths["spectrum"] == name]
        delta = float(cell_w["delta"].iloc[0]) if not cell_w.empty else 0.1
        for col, r in enumerate(distances, start=1):
            ax = axes[row, col]
            cell = success[(success["spectrum"] == name) & np.isclose(success["R"], r)]
            grid = cell.pivot_table(index="epsilon", columns="d", values="p_success")
            dims, eps = grid.columns.to_numpy(), grid.index.to_numpy(float)
            mesh = ax.pcolormesh(
                _edges(dims, log=False),
                10.0 ** _edges(np.log10(eps), log=False),
                grid.to_numpy(),
                cmap="Greys",
                vmin=0,
                vmax=1,
            )
            curve = cell_w[np.isclose(cell_w["R"], r)].sort_values("epsilon")
            reached = curve[curve["d_star_empirical"].notna()]
            ax.plot(
                reached["d_star_empirical"].astype(float),
                reached["epsilon"],
                "o-",
                color="tab:red",
                ms=3,
                label=rf"empirical $d^*$ ($P_s \geq {1 - delta:g}$)",
            )
            never = curve[curve["d_star_empirical"].isna()]  # never reached: a bound at the grid's edge, no point
            if not never.empty:
                ax.plot(
                    np.full(len(never), dims.max()),
                    never["epsilon"],
                    ">",
                    color="tab:red",
                    mfc="none",
                    ms=5,
                    label=r"$d^*$ above the grid",
                    clip_on=False,
                )
            ax.plot(
                curve["d_star_predicted"], curve["epsilon"], "s--", color="tab:blue", ms=3, label=r"predicted $D - w^2$"
            )
            ax.plot(
                curve["d_star_closed_form"],
                curve["epsilon"],
                ":",
                color="tab:green",
                lw=1.5,
                label=r"closed form $D - \sum r_i^2/(R^2 + r_i^2)$",
            )
            ax.set_yscale("log")
            ax.set_xlim(dims.min(), dims.max())
            ax.set_xlabel("subspace dimension d")
            ax.set_ylabel(r"loss threshold $\epsilon$")
            ax.set_title(f"'{name}', start at distance R = {r:g}", fontsize=9)
            if row == 0 and col == 1:
                ax.legend(loc="lower left", fontsize=6.5, framealpha=0.85)
        ax = axes[row, -1]
        for i, r in enumerate(all_r):
            part = cell_w[np.isclose(cell_w["R"], r)]
            color = colors(0.85 * i / max(len(all_r) - 1, 1))
            measured = part["d_star_empirical"].astype("Float64").astype(float)
            ax.errorbar(
                part["d_star_predicted"],
                measured,
                xerr=part["w2_stderr"],
                fmt="o",
                color=color,
                ms=4,
                label=f"R = {r:g}",
            )
            ax.plot(part["d_star_closed_form"], measured, "x", color=color, ms=5)
        ax.plot([0, dim], [0, dim], color="grey", lw=0.8, ls="--")
        ax.set_xlim(0, dim)
        ax.set_ylim(0, dim)
        ax.set_xlabel(r"predicted $d^* = D - w^2$ (o), closed form (x)")
        ax.set_ylabel(rf"empirical $d^*$ ($P_s \geq {1 - delta:g}$)")
        ax.set_title(f"'{name}': theory vs subspace minima", fontsize=9)
        ax.plot([], [], "o", color="grey", label=r"Monte Carlo $w^2$")
        ax.plot([], [], "x", color="grey", label="closed form")
        ax.legend(fontsize=7, loc="upper left")
    fig.suptitle(f"Quadratic wells in random affine subspaces (figure 5), D = {dim:,}")
    fig.colorbar(mesh, ax=axes[:, len(distances)].tolist(), label=r"success probability $P_s$", shrink=0.9)
    return fig


def _point_label(row: pd.Series) -> str:
    if row["point"] == "solution":
        return rf"trained solution $\theta^*$ (train acc {row['train_acc']:.2f})"
    return rf"burn-in $t_0$ = {int(row['t0'])} (train acc {row['train_acc']:.2f})"


def hessian_spectra_figure(spectra: pd.DataFrame) -> plt.Figure:
    """The Hessian spectrum per checkpoint (columns: burn-in points, then theta*; rows: seeds): the SLQ density
    (log scale) with the top Lanczos eigenvalues as ticks, the outliers (largest-gap criterion) in red."""
    seeds = sorted(spectra["seed"].unique())
    order = spectra.assign(_sol=spectra["point"] == "solution").sort_values(["_sol", "t0"])
    points = list(dict.fromkeys(order["point"]))
    fig, axes = plt.subplots(
        len(seeds),
        len(points),
        figsize=(3.8 * len(points), 3.2 * len(seeds) + 0.6),
        squeeze=False,
        layout="constrained",
    )
    for row, seed in enumerate(seeds):
        for col, point in enumerate(points):
            ax = axes[row, col]
            cell = spectra[(spectra["seed"] == seed) & (spectra["point"] == point)]
            if cell.empty:
                ax.set_axis_off()
                continue
            rec = cell.iloc[0]
            grid, density = np.asarray(rec["density_grid"]), np.asarray(rec["density"])
            floor = density.max() * 1e-7
            ax.fill_between(grid, floor, np.maximum(density, floor), color="tab:blue", alpha=0.35, lw=0)
            ax.plot(grid, np.maximum(density, floor), color="tab:blue", lw=1, label="SLQ density")
            top = np.sort(np.asarray(rec["top_eigenvalues"]))[::-1]
            n_out = int(rec["n_outliers"])
            ax.vlines(top[n_out:], floor, floor * 30, color="grey", lw=1, label="top Lanczos eigenvalues")
            ax.vlines(top[:n_out], floor, floor * 300, color="tab:red", lw=1.5, label="outliers (largest gap)")
            ax.set_yscale("log")
            ax.set_ylim(floor, density.max() * 3)
            ax.set_xlabel(r"Hessian eigenvalue $\lambda$")
            if col == 0:
                ax.set_ylabel(f"seed {seed}\nspectral density")
            ax.set_title(_point_label(rec), fontsize=9)
            text = (
                rf"$\lambda_{{max}}$ = {rec['lambda_max']:.3g}"
                + "\n"
                + rf"tr H = {rec['trace']:.3g} $\pm$ {rec['trace_stderr']:.2g}"
                + "\n"
                + rf"$\|\theta - \theta^*\|$ = {rec['distance_to_solution']:.3g}"
                + "\n"
                + f"outliers: {n_out} (C = {int(rec['n_classes'])})"
            )
            ax.text(
                0.97,
                0.97,
                text,
                transform=ax.transAxes,
                ha="right",
                va="top",
                fontsize=7,
                bbox={"facecolor": "white", "alpha": 0.8, "lw": 0},
            )
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=8)
    first = spectra.iloc[0]
    fig.suptitle(
        f"Hessian spectra of the training loss, {first['dataset']} / {first['model']} (D = {first['n_params']:,}, "
        f"{first['n_examples']} training examples, {first['slq_probes']} SLQ probes)"
    )
    return fig


def prediction_figure(prediction: pd.DataFrame) -> plt.Figure:
    """Measured d* (solid, bootstrap band; triangles at the largest d where the grid never reached 1 - delta) and the
    quadratic prediction around theta* (dashed, +- one SLQ standard error; dotted: the top-k eigenvalues' share, a
    lower bound of the prediction) against epsilon, one colour per t0, one column per metric; the lower row is
    log2(measured / predicted)."""
    metrics = [m for m in METRIC_LABELS if m in set(prediction["metric"])]
    fig, axes = plt.subplots(
        2,
        max(len(metrics), 1),
        figsize=(5.2 * max(len(metrics), 1) + 1.8, 6.4),
        squeeze=False,
        sharex="col",
        gridspec_kw={"height_ratios": [2, 1]},
        layout="constrained",
    )
    colors = plt.get_cmap("viridis")
    t0s = sorted(prediction["t0"].unique())
    for col, metric in enumerate(metrics):
        ax, ax_ratio = axes[0, col], axes[1, col]
        for i, t0 in enumerate(t0s):
            color = colors(0.9 * i / max(len(t0s) - 1, 1))
            rows = prediction[(prediction["metric"] == metric) & (prediction["t0"] == t0)]
            per_eps = (
                rows.groupby("epsilon")
                .agg(
                    d_star=("d_star", lambda s: s.astype("Float64").astype(float).iloc[0]),
                    lo=("d_star_lo", lambda s: s.astype("Float64").astype(float).iloc[0]),
                    hi=("d_star_hi", lambda s: s.astype("Float64").astype(float).iloc[0]),
                    d_max=("d_max", "first"),
                    predicted=("d_star_predicted", "mean"),
                    stderr=("d_star_predicted_stderr", "mean"),
                    top_k=("d_star_predicted_top_k", "mean"),
                    ratio=("log2_ratio", "mean"),
                )
                .reset_index()
            )
            eps = per_eps["epsilon"].to_numpy(float)
            shown_d = per_eps["d_star"].where(per_eps["d_star"] > 0)  # d* = 0 (the start) has no place on a log axis
            ax.plot(eps, shown_d, "o-", color=color, ms=4, label=rf"measured, $t_0$ = {t0}")
            ax.fill_between(eps, per_eps["lo"], per_eps["hi"].fillna(per_eps["d_max"]), color=color, alpha=0.12, lw=0)
            above = per_eps[per_eps["d_star"].isna()]
            ax.plot(above["epsilon"], above["d_max"], "^", color=color, ms=6, mfc="none")
            shown = per_eps[per_eps["predicted"] > 0]
            ax.errorbar(
                shown["epsilon"],
                shown["predicted"],
                yerr=shown["stderr"].fillna(0).clip(upper=shown["predicted"] * 0.999),
                fmt="s--",
                color=color,
                ms=4,
                mfc="none",
                capsize=2,
                label=rf"predicted, $t_0$ = {t0}",
            )
            ax.plot(shown["epsilon"], shown["top_k"], ":", color=color, lw=1.2, label=rf"top-k bound, $t_0$ = {t0}")
            ax_ratio.plot(eps, per_eps["ratio"], "o-", color=color, ms=3)
        ax.set_yscale("log", base=2)
        ax.set_ylabel(r"threshold dimension $d^*$ (parameters)")
        ax.set_title(f"{METRIC_LABELS[metric]}: measured vs quadratic prediction", fontsize=9)
        ax_ratio.axhline(0, color="grey", lw=0.8, ls="--")
        ax_ratio.set_xlabel(rf"{METRIC_LABELS[metric]} threshold $\epsilon$")
        ax_ratio.set_ylabel(r"$\log_2$(measured / predicted)")
    if not metrics:
        axes[0, 0].text(0.5, 0.5, "no prediction rows", ha="center", va="center", transform=axes[0, 0].transAxes)
    else:
        first = prediction.iloc[0]
        axes[0, 0].plot([], [], "^", color="grey", mfc="none", label=r"not reached by $d_{max}$")
        fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside right upper", fontsize=7)
        fig.suptitle(
            rf"$d^*$: subspace sweep vs quadratic approximation around $\theta^*$, {first['dataset']} / "
            rf"{first['model']} (D = {first['n_params']:,})"
        )
    return fig


METHOD_STYLES = {
    "random": ("random subspace", "tab:blue", "o-"),
    "burn_in": ("burn-in subspace", "tab:green", "s-"),
    "lottery_subspace": ("lottery subspace", "tab:red", "D-"),
    "lottery_ticket": ("lottery ticket (iterative)", "tab:purple", "^-"),
    "lottery_ticket_one_shot": ("lottery ticket (one-shot)", "tab:purple", "v--"),
    "supermask": ("supermask (frozen weights)", "tab:orange", "P-"),
}


def full_model_accuracy(baseline: pd.DataFrame | None, metric: str) -> float | None:
    """The full model's mean `metric` over its 'ok' baseline seeds (every row when there is no status column);
    None without a baseline or when no seed trained: no reference line is drawn against a network that never did."""
    if baseline is None or baseline.empty or metric not in baseline.columns:
        return None
    if "status" in baseline.columns:
        baseline = baseline[baseline["status"].eq("ok")]
    value = float(baseline[metric].mean()) if not baseline.empty else float("nan")
    return value if np.isfinite(value) else None


def _note_failed_baseline(fig: plt.Figure, baseline: pd.DataFrame | None) -> None:
    """A footnote when a baseline table is given but none of its seeds is 'ok': why the full-model line is absent."""
    if baseline is None or baseline.empty or "status" not in baseline.columns or baseline["status"].eq("ok").any():
        return
    states = ", ".join(sorted(set(baseline["status"])))
    note = f"no full-model line: no baseline seed trained (status {states}; see baseline.parquet)"
    fig.text(0.01, -0.02, note, fontsize=7, va="top")


def compression_figure(methods: pd.DataFrame, baseline: pd.DataFrame) -> plt.Figure:
    """Figure 7: final accuracy against compression D / d for every method (median over seeds, band = min to max;
    a diverged run counts as 0), one panel per metric, the mean accuracy of the full model's 'ok' seeds as a dashed
    line (omitted, with a note, when no seed trained)."""
    metrics = [m for m in METRIC_LABELS if m in methods.columns]
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.8), squeeze=False, sharey=True)
    burn_in_t0s = sorted(methods.loc[methods["method"] == "burn_in", "t0"].unique())
    for ax, metric in zip(axes[0], metrics):
        for method, (label, color, style) in METHOD_STYLES.items():
            rows = methods[methods["method"] == method]
            for t0 in sorted(rows["t0"].unique()):
                curve = rows[rows["t0"] == t0]
                value = curve[metric].where(curve["status"].eq("ok"), 0.0).fillna(0.0)
                stats = value.groupby(curve["d"]).agg(["median", "min", "max"]).sort_index()
                compression = curve["n_params"].iloc[0] / stats.index.to_numpy(float)
                shade = color
                if method == "burn_in" and len(burn_in_t0s) > 1:
                    shade = plt.get_cmap("Greens")(0.4 + 0.6 * burn_in_t0s.index(t0) / (len(burn_in_t0s) - 1))
                name = f"{label}, $t_0$ = {t0}" if method == "burn_in" else label
                ax.plot(compression, stats["median"], style, color=shade, ms=3, label=name)
                ax.fill_between(compression, stats["min"], stats["max"], color=shade, alpha=0.12, lw=0)
        reference = full_model_accuracy(baseline, metric)
        if reference is not None:
            ax.axhline(reference, color="black", ls="--", lw=1, label="full model")
        ax.set_xscale("log")
        ax.set_xlabel("compression D / d")
        ax.set_title(METRIC_LABELS[metric], fontsize=9)
        ax.legend(fontsize=6, loc="lower left")
    axes[0, 0].set_ylabel("final accuracy (median over seeds)")
    first = methods.iloc[0]
    fig.suptitle(f"Accuracy against compression, {first['dataset']} / {first['model']} (D = {first['n_params']:,})")
    _note_failed_baseline(fig, baseline)
    return fig


def threshold_fraction_figure(thresholds: pd.DataFrame, t0: int = 0) -> plt.Figure:
    """Figure 6: d* / D against the accuracy threshold, one curve per (architecture, dataset), train and test."""
    metrics = [m for m in METRIC_LABELS if m in set(thresholds["metric"])]
    rows = thresholds[thresholds["t0"] == t0]
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
