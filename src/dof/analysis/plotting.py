"""Plotting helpers every stage's figures share: metric labels, pcolormesh cell edges, a panel's rows, the
full model's reference accuracy, writing a figure as PDF and PNG (matplotlib, Agg backend) and the size its text
has where the HTML report shows it."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.text  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from dof.config import INIT  # noqa: E402
from dof.engine.io import atomic_path  # noqa: E402

METRIC_LABELS = {"train_acc": "train accuracy", "test_acc": "test accuracy"}

SAVE_OPTIONS = {"dpi": 150, "bbox_inches": "tight"}
"""How every figure is written (save_figure)."""

REPORT_WIDTH_PX = 900
"""About the width, in screen pixels, at which Snakemake's HTML report shows a figure: its content column scales a
wider PNG down to it (a narrower one is shown at its own size)."""


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
            fig.savefig(tmp, format=suffix[1:], **SAVE_OPTIONS)
        paths.append(path)
    plt.close(fig)
    return paths


def png_width_px(fig: plt.Figure) -> int:
    """The width in pixels of the PNG that save_figure writes of `fig` (read from the PNG header)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", **SAVE_OPTIONS)
    return struct.unpack(">I", buffer.getvalue()[16:20])[0]


def shown_text_px(fontsize_pt: float, png_width: float, shown_width: float = REPORT_WIDTH_PX) -> float:
    """The height in screen pixels of text of `fontsize_pt` in a PNG `png_width` pixels wide, shown at most
    `shown_width` wide: pt x dpi / 72 x shown width / PNG width."""
    return fontsize_pt * SAVE_OPTIONS["dpi"] / 72 * min(1.0, shown_width / png_width)


def smallest_text_px(fig: plt.Figure, shown_width: float = REPORT_WIDTH_PX) -> float:
    """The smallest text of a figure (titles, labels, ticks, legends, boxes), in screen pixels where the report
    shows it."""
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()]
    return shown_text_px(min(sizes), png_width_px(fig), shown_width)


def full_model_accuracy(baseline: pd.DataFrame | None, metric: str) -> float | None:
    """The full model's mean `metric` over its 'ok' baseline seeds (every row when there is no status column), those
    trained from init when any is (not the fine-tuned ones of checkpoint starts); None without a baseline or when no
    seed trained: no reference line is drawn against a network that never did."""
    if baseline is None or baseline.empty or metric not in baseline.columns:
        return None
    if "start" in baseline.columns and baseline["start"].eq(INIT).any():
        baseline = baseline[baseline["start"].eq(INIT)]
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
