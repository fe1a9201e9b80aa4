"""Figure of the Goldilocks stage (seed 001): P_s and the curvature of the random section A^T H A against the init
scale r (the Goldilocks zone)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from dof.analysis.plotting import METRIC_LABELS, rows_of  # noqa: E402


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
