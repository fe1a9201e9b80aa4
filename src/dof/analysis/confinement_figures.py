"""Figure of the confinement stage (seed 001): the gradient's share of the top-k Hessian eigenspace and lambda_max
against training step."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from dof.analysis.plotting import rows_of  # noqa: E402


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
