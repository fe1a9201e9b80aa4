"""Figures of the lottery stage: the paper's figure 7, accuracy against compression D / d for random, burn-in and
lottery subspaces, lottery tickets and supermasks."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from dof.analysis.plotting import METRIC_LABELS, _note_failed_baseline, full_model_accuracy  # noqa: E402

METHOD_STYLES = {
    "random": ("random subspace", "tab:blue", "o-"),
    "burn_in": ("burn-in subspace", "tab:green", "s-"),
    "lottery_subspace": ("lottery subspace", "tab:red", "D-"),
    "lottery_ticket": ("lottery ticket (iterative)", "tab:purple", "^-"),
    "lottery_ticket_one_shot": ("lottery ticket (one-shot)", "tab:purple", "v--"),
    "supermask": ("supermask (frozen weights)", "tab:orange", "P-"),
}


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
