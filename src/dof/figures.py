"""The paper's figures from the success and threshold tables (matplotlib, written as PDF and PNG)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from dof.io import atomic_path  # noqa: E402

METRIC_LABELS = {"train_acc": "train accuracy", "test_acc": "test accuracy"}


def _edges(values: np.ndarray, log: bool) -> np.ndarray:
    """Cell edges half-way between grid points (geometric on a log axis) for pcolormesh."""
    v = np.log2(values) if log else values.astype(float)
    step = np.diff(v) if len(v) > 1 else np.array([1.0])
    mids = (v[:-1] + v[1:]) / 2
    edges = np.concatenate([[v[0] - step[0] / 2], mids, [v[-1] + step[-1] / 2]])
    return 2.0**edges if log else edges


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


def success_map_figure(success: pd.DataFrame, thresholds: pd.DataFrame) -> plt.Figure:
    """Figure 2: P_s over (d, epsilon), one panel per (metric, t0), with the d*(delta) curve overlaid."""
    metrics = [m for m in METRIC_LABELS if m in set(success["metric"])]
    t0s = sorted(success["t0"].unique())
    fig, axes = plt.subplots(
        len(metrics), len(t0s), figsize=(3.2 * len(t0s) + 1, 2.8 * len(metrics)), squeeze=False, sharey=True
    )
    mesh = None
    for row, metric in enumerate(metrics):
        for col, t0 in enumerate(t0s):
            ax = axes[row, col]
            cell = success[(success["metric"] == metric) & (success["t0"] == t0)]
            grid = cell.pivot_table(index="epsilon", columns="d", values="p_success")
            dims, eps = grid.columns.to_numpy(), grid.index.to_numpy()
            mesh = ax.pcolormesh(
                _edges(dims, log=True), _edges(eps, log=False), grid.to_numpy(), cmap="Greys", vmin=0, vmax=1
            )
            curve = thresholds[(thresholds["metric"] == metric) & (thresholds["t0"] == t0)].sort_values("epsilon")
            reached = curve[curve["d_star"].notna()]
            if not reached.empty:
                delta = float(curve["delta"].iloc[0])
                ax.plot(
                    reached["d_star"].astype(float),
                    reached["epsilon"],
                    "o-",
                    color="tab:red",
                    ms=3,
                    label=rf"$d^*$ ($P_s \geq {1 - delta:g}$)",
                )
                ax.legend(loc="lower right", fontsize=7)
            ax.set_xscale("log", base=2)
            ax.set_title(f"{METRIC_LABELS[metric]}, $t_0$ = {t0} steps", fontsize=9)
            ax.set_xlabel("training dimension d (parameters)")
            if col == 0:
                ax.set_ylabel(r"accuracy threshold $\epsilon$")
    first = success.iloc[0]
    fig.suptitle(f"Success probability, {first['dataset']} / {first['model']} (D = {first['n_params']:,})")
    fig.colorbar(mesh, ax=axes, label=r"success probability $P_s$", shrink=0.8)
    return fig


def threshold_figure(thresholds: pd.DataFrame) -> plt.Figure:
    """Figure 3: d* against epsilon, one curve per t0 with its bootstrap interval, one panel per metric."""
    metrics = [m for m in METRIC_LABELS if m in set(thresholds["metric"])]
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.5), squeeze=False, sharey=True)
    colors = plt.get_cmap("viridis")
    t0s = sorted(thresholds["t0"].unique())
    for ax, metric in zip(axes[0], metrics):
        for i, t0 in enumerate(t0s):
            curve = thresholds[(thresholds["metric"] == metric) & (thresholds["t0"] == t0)].sort_values("epsilon")
            curve = curve[curve["d_star"].notna()]
            if curve.empty:
                continue
            color = colors(i / max(len(t0s) - 1, 1))
            eps = curve["epsilon"].to_numpy(float)
            ax.plot(eps, curve["d_star"].astype(float), "o-", color=color, ms=3, label=f"$t_0$ = {t0}")
            lo = curve["d_star_lo"].astype(float).to_numpy()
            hi = curve["d_star_hi"].astype(float).fillna(float(curve["d_max"].max())).to_numpy()
            ax.fill_between(eps, lo, hi, color=color, alpha=0.15, lw=0)
        ax.set_yscale("log", base=2)
        ax.set_xlabel(rf"{METRIC_LABELS[metric]} threshold $\epsilon$")
        ax.set_title(METRIC_LABELS[metric], fontsize=9)
        ax.legend(fontsize=7, title="burn-in steps", title_fontsize=7)
    axes[0, 0].set_ylabel(r"threshold training dimension $d^*$ (parameters)")
    first = thresholds.iloc[0]
    delta = float(first["delta"])
    fig.suptitle(
        f"$d^*$ ($P_s \\geq {1 - delta:g}$), {first['dataset']} / {first['model']} (D = {first['n_params']:,})"
    )
    return fig
