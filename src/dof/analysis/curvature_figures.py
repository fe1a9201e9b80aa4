"""Figures of the local-geometry stages (seed 001): P_s and the section curvature against the init scale r (the
Goldilocks zone), and the gradient's share of the top-k Hessian eigenspace and lambda_max against training step."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from dof.analysis.figures import METRIC_LABELS, rows_of  # noqa: E402


def goldilocks_figure(
    success: pd.DataFrame, sections: pd.DataFrame, dataset: str, model: str, metric: str, epsilon: float
) -> plt.Figure:
    """Left: P_s(metric >= epsilon) against r (log axis) per d, with its exact 95 % band, and on a second axis the
    section's tr M / ||M||_F (dashed, mean +- sd over the measured seeds). Right: the median final train accuracy
    (solid) and the share of positive eigenvalues of M (dashed) per d, and the start's train accuracy (dotted)."""
    fig, (ax, right) = plt.subplots(1, 2, figsize=(11, 4.3))
    cells = rows_of(success, dataset=dataset, model=model)
    cells = cells[(cells["metric"] == metric) & np.isclose(cells["epsilon"], epsilon) & (cells["d"] > 0)]
    curv = rows_of(sections, dataset=dataset, model=model)
    twin = ax.twinx()
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (d, cell) in enumerate(cells.groupby("d", sort=True)):
        colour = colours[i % len(colours)]
        cell = cell.sort_values("init_scale")
        ax.plot(cell["init_scale"], cell["p_success"], "o-", color=colour, label=f"P_s, d = {d}")
        ax.fill_between(cell["init_scale"], cell["p_success_lo"], cell["p_success_hi"], color=colour, alpha=0.12)
        per_d = curv[curv["d"] == d].sort_values("init_scale")
        right.plot(per_d["init_scale"], per_d["train_acc_median"], "o-", color=colour, label=f"d = {d}")
        section = per_d[per_d["n_sections"] > 0]
        if len(section):
            mean, sd = section["trace_over_frobenius_mean"], section["trace_over_frobenius_std"].fillna(0)
            twin.errorbar(section["init_scale"], mean, yerr=sd, fmt="s--", color=colour, alpha=0.8, capsize=2)
            right.plot(section["init_scale"], section["positive_fraction_mean"], "s--", color=colour)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("init scale r (start r theta_0)")
    ax.set_ylabel(f"P_s({METRIC_LABELS.get(metric, metric)} >= {epsilon:g})")
    ax.set_ylim(-0.03, 1.03)
    twin.axhline(0, color="grey", lw=0.6)
    twin.set_ylabel("section curvature tr M / ||M||_F (dashed)")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(f"{dataset} / {model}: Goldilocks zone")
    if len(curv):
        first = curv.groupby("init_scale")["start_train_acc"].mean()
        right.plot(first.index, first.to_numpy(), "k:", label="start train accuracy")
    right.axhline(0.5, color="grey", lw=0.6)
    right.set_xscale("log", base=2)
    right.set_ylim(-0.03, 1.03)
    right.set_xlabel("init scale r")
    right.set_ylabel("median train accuracy (solid), positive share of M (dashed)")
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


def confinement_figure(table: pd.DataFrame, dataset: str, model: str) -> plt.Figure:
    """Left: f_top(k) = ||P_k g||^2 / ||g||^2 against training step per k (mean over seeds; the trajectory as lines,
    burn-in checkpoints as markers), with k / D dotted, log y. Right: lambda_max against step."""
    rows = rows_of(table, dataset=dataset, model=model)
    fig, (ax, right) = plt.subplots(1, 2, figsize=(11, 4.3))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    n_classes = int(rows["n_classes"].iloc[0]) if len(rows) else 0
    means = rows.groupby(["source", "step", "k"], sort=True)[["overlap", "random_overlap", "lambda_max"]].mean()
    means = means.reset_index()
    for i, (k, cell) in enumerate(means.groupby("k", sort=True)):
        colour = colours[i % len(colours)]
        label = f"k = {k}" + (" = C" if k == n_classes else "")
        trajectory, burn_in = cell[cell["source"] == "trajectory"], cell[cell["source"] == "burn_in"]
        if len(trajectory):
            ax.plot(trajectory["step"], trajectory["overlap"], "-", color=colour, label=label)
        if len(burn_in):
            ax.plot(burn_in["step"], burn_in["overlap"], "o", color=colour, label=None if len(trajectory) else label)
        ax.axhline(float(cell["random_overlap"].iloc[0]), color=colour, ls=":", lw=0.8)
    ax.set_xscale("symlog", linthresh=1)
    ax.set_xlim(0, max(1.0, float(means["step"].max())) * 1.1 if len(means) else 1.0)
    ax.set_yscale("log")
    ax.set_xlabel("SGD step (burn-in t0)")
    ax.set_ylabel("||P_k g||^2 / ||g||^2 (dotted: k / D)")
    ax.set_title(f"{dataset} / {model}: gradient in the top-k Hessian eigenspace")
    ax.legend(fontsize=8)
    top = means[means["k"] == means["k"].min()]
    for source, style in (("trajectory", "-"), ("burn_in", "o")):
        part = top[top["source"] == source]
        if len(part):
            right.plot(part["step"], part["lambda_max"], style, color="k", label=source.replace("_", "-"))
    right.set_xscale("symlog", linthresh=1)
    right.set_xlim(ax.get_xlim())
    right.set_xlabel("SGD step (burn-in t0)")
    right.set_ylabel("top Hessian eigenvalue lambda_max")
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig
