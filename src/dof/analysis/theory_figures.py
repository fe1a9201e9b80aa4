"""Figures of the theory stage: the paper's figure 5 (quadratic wells in random affine subspaces), the Hessian
spectra per checkpoint, and the d* predicted around theta* against the measured d*."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.collections  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from dof.analysis.plotting import METRIC_LABELS, _edges  # noqa: E402


def _map_distances(distances: np.ndarray) -> list[float]:
    """Three distances for the P_s maps: all if at most three, else the smallest, the median and the largest."""
    distances = np.sort(np.unique(distances))
    if len(distances) <= 3:
        return [float(r) for r in distances]
    return [float(distances[0]), float(distances[len(distances) // 2]), float(distances[-1])]


MAP_COLUMNS = 3
"""Panels per row of figure 5: a spectrum's eigenvalues, its theory panel and the maps' legend above its (at most
three) P_s maps, so that the figure stays legible at the report's width."""


def quadratic_figure(spectra: dict[str, np.ndarray], success: pd.DataFrame, widths: pd.DataFrame) -> plt.Figure:
    """Figure 5: per spectrum two rows, its eigenvalues and the empirical d* against the prediction D - w^2 for every
    (R, epsilon) above P_s(d, epsilon) maps for three distances R with the empirical and predicted d*."""
    names = [name for name in spectra if name in set(success["spectrum"])]
    distances = _map_distances(success["R"].to_numpy(float))
    fig, axes = plt.subplots(
        2 * len(names),
        MAP_COLUMNS,
        figsize=(4.0 * MAP_COLUMNS, 3.5 * 2 * len(names)),
        squeeze=False,
        layout="constrained",
    )
    mesh, dim = None, 0
    for row, name in enumerate(names):
        top, maps = axes[2 * row], axes[2 * row + 1]
        eigenvalues = np.asarray(spectra[name])
        dim = eigenvalues.size
        cell_w = widths[widths["spectrum"] == name]
        delta = float(cell_w["delta"].iloc[0]) if not cell_w.empty else 0.1
        _spectrum_panel(top[0], name, eigenvalues)
        _theory_panel(top[1], name, cell_w, dim, delta)
        for col, r in enumerate(distances):
            cell = success[(success["spectrum"] == name) & np.isclose(success["R"], r)]
            mesh = _success_map_panel(maps[col], name, r, cell, cell_w[np.isclose(cell_w["R"], r)], delta)
        for ax in maps[len(distances) :]:
            ax.set_axis_off()
        top[2].set_axis_off()
        handles = {label: h for ax in maps for h, label in zip(*ax.get_legend_handles_labels())}
        top[2].legend(handles.values(), handles.keys(), loc="center", fontsize=9, title="in the maps below")
        fig.colorbar(mesh, ax=maps[: len(distances)].tolist(), label=r"success probability $P_s$", shrink=0.9)
    fig.suptitle(f"Quadratic wells in random affine subspaces (figure 5), D = {dim:,}")
    return fig


def _spectrum_panel(ax: plt.Axes, name: str, eigenvalues: np.ndarray) -> None:
    """A spectrum's eigenvalues against their index (log scale)."""
    ax.plot(np.arange(1, eigenvalues.size + 1), eigenvalues, color="black", lw=1.2)
    ax.set_yscale("log")
    ax.set_xlabel("eigenvalue index i")
    ax.set_ylabel(r"Hessian eigenvalue $\lambda_i$")
    ax.set_title(f"spectrum '{name}' (D = {eigenvalues.size:,})", fontsize=10)


def _success_map_panel(
    ax: plt.Axes, name: str, r: float, cell: pd.DataFrame, curve: pd.DataFrame, delta: float
) -> matplotlib.collections.QuadMesh:
    """P_s(d, epsilon) at one distance R (grey scale) with the empirical d* (red; a triangle where the grid never
    reaches 1 - delta), the Monte Carlo prediction D - w^2 (blue) and the closed form (green)."""
    grid = cell.pivot_table(index="epsilon", columns="d", values="p_success")
    dims, eps = grid.columns.to_numpy(), grid.index.to_numpy(float)
    mesh = ax.pcolormesh(
        _edges(dims, log=False), 10.0 ** _edges(np.log10(eps), log=False), grid.to_numpy(), cmap="Greys", vmin=0, vmax=1
    )
    curve = curve.sort_values("epsilon")
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
    ax.plot(curve["d_star_predicted"], curve["epsilon"], "s--", color="tab:blue", ms=3, label=r"predicted $D - w^2$")
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
    ax.set_title(f"'{name}', start at distance R = {r:g}", fontsize=10)
    return mesh


def _theory_panel(ax: plt.Axes, name: str, cell_w: pd.DataFrame, dim: int, delta: float) -> None:
    """The empirical d* against the Monte Carlo prediction D - w^2 (circles, one standard error) and the closed form
    (crosses) for every (R, epsilon), one colour per R, with the diagonal where the theory is exact."""
    colors = plt.get_cmap("plasma")
    all_r = sorted(cell_w["R"].unique())
    for i, r in enumerate(all_r):
        part = cell_w[np.isclose(cell_w["R"], r)]
        color = colors(0.85 * i / max(len(all_r) - 1, 1))
        measured = part["d_star_empirical"].astype("Float64").astype(float)
        ax.errorbar(
            part["d_star_predicted"], measured, xerr=part["w2_stderr"], fmt="o", color=color, ms=4, label=f"R = {r:g}"
        )
        ax.plot(part["d_star_closed_form"], measured, "x", color=color, ms=5)
    ax.plot([0, dim], [0, dim], color="grey", lw=0.8, ls="--")
    ax.set_xlim(0, dim)
    ax.set_ylim(0, dim)
    ax.set_xlabel(r"predicted $d^* = D - w^2$ (o), closed form (x)")
    ax.set_ylabel(rf"empirical $d^*$ ($P_s \geq {1 - delta:g}$)")
    ax.set_title(f"'{name}': theory vs subspace minima", fontsize=10)
    ax.plot([], [], "o", color="grey", label=r"Monte Carlo $w^2$")
    ax.plot([], [], "x", color="grey", label="closed form")
    ax.legend(fontsize=9, loc="upper left")


def _point_label(row: pd.Series) -> str:
    if row["point"] == "solution":
        return rf"trained solution $\theta^*$ (train acc {row['train_acc']:.2f})"
    return rf"burn-in $t_0$ = {int(row['t0'])} (train acc {row['train_acc']:.2f})"


SPECTRA_COLUMNS = 2
"""Panels per row of the Hessian spectra figure: a seed's checkpoints wrap onto as many rows as they need, so that
the figure stays legible at the report's width."""


def hessian_spectra_figure(spectra: pd.DataFrame) -> plt.Figure:
    """The Hessian spectrum per checkpoint (per seed: the burn-in points by t0, then theta*, in rows of
    SPECTRA_COLUMNS panels): the SLQ density (log scale) with the top Lanczos eigenvalues as ticks, the outliers
    (largest-gap criterion) in red."""
    seeds = sorted(spectra["seed"].unique())
    order = spectra.assign(_sol=spectra["point"] == "solution").sort_values(["_sol", "t0"])
    points = list(dict.fromkeys(order["point"]))
    n_cols = min(len(points), SPECTRA_COLUMNS)
    rows_per_seed = math.ceil(len(points) / n_cols)
    fig, axes = plt.subplots(
        len(seeds) * rows_per_seed,
        n_cols,
        figsize=(4.3 * n_cols, 3.3 * len(seeds) * rows_per_seed + 1.0),
        squeeze=False,
        layout="constrained",
    )
    for ax in axes.flat:
        ax.set_axis_off()
    for s, seed in enumerate(seeds):
        for i, point in enumerate(points):
            cell = spectra[(spectra["seed"] == seed) & (spectra["point"] == point)]
            if not cell.empty:
                ax = axes[s * rows_per_seed + i // n_cols, i % n_cols]
                _density_panel(ax, cell.iloc[0], f"seed {seed}\nspectral density" if i % n_cols == 0 else None)
    drawn = [ax for ax in axes.flat if ax.axison]
    fig.legend(*drawn[0].get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize=9)
    first = spectra.iloc[0]
    fig.suptitle(
        f"Hessian spectra of the training loss, {first['dataset']} / {first['model']}\n(D = {first['n_params']:,}, "
        f"{first['n_examples']} training examples, {first['slq_probes']} SLQ probes)"
    )
    return fig


def _density_panel(ax: plt.Axes, rec: pd.Series, ylabel: str | None) -> None:
    """One checkpoint's SLQ density with its top Lanczos eigenvalues, outliers in red, and a box with lambda_max, the
    trace, the distance to theta* and the outlier count."""
    ax.set_axis_on()
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
    if ylabel:
        ax.set_ylabel(ylabel)
    ax.set_title(_point_label(rec), fontsize=10)
    text = (
        rf"$\lambda_{{max}}$ = {rec['lambda_max']:.3g}"
        + "\n"
        + rf"tr H = {rec['trace']:.3g} $\pm$ {rec['trace_stderr']:.2g}"
        + "\n"
        + rf"$\|\theta - \theta^*\|$ = {rec['distance_to_solution']:.3g}"
        + "\n"
        + f"outliers: {n_out} (C = {int(rec['n_classes'])})"
    )
    box = {"facecolor": "white", "alpha": 0.8, "lw": 0}
    ax.text(0.97, 0.97, text, transform=ax.transAxes, ha="right", va="top", fontsize=8.5, bbox=box)


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
            ax.plot(
                shown["epsilon"], shown["top_k"], ":", color=color, lw=1.2, label=rf"top-k lower bound, $t_0$ = {t0}"
            )
            ax_ratio.plot(eps, per_eps["ratio"], "o-", color=color, ms=3)
        ax.set_yscale("log", base=2)
        ax.set_ylabel(r"threshold dimension $d^*$ (parameters)")
        ax.set_title(f"{METRIC_LABELS[metric]}: measured vs quadratic prediction", fontsize=10)
        ax_ratio.axhline(0, color="grey", lw=0.8, ls="--")
        ax_ratio.set_xlabel(rf"{METRIC_LABELS[metric]} threshold $\epsilon$")
        ax_ratio.set_ylabel(r"$\log_2$(measured / predicted)")
    if not metrics:
        axes[0, 0].text(0.5, 0.5, "no prediction rows", ha="center", va="center", transform=axes[0, 0].transAxes)
    else:
        first = prediction.iloc[0]
        axes[0, 0].plot([], [], "^", color="grey", mfc="none", label=r"not reached by $d_{max}$")
        fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside right upper", fontsize=9)
        fig.suptitle(
            rf"$d^*$: subspace sweep vs quadratic approximation around $\theta^*$, {first['dataset']} / "
            rf"{first['model']} (D = {first['n_params']:,})"
        )
    return fig
