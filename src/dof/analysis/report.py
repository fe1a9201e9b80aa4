"""Tables for the HTML report: a Parquet table as a self-contained, sortable HTML page.

A page lists its key columns first (the rest behind a "show all columns" box, pure CSS), its rows in the order of
the table's key, numbers right-aligned under right-aligned headers, and sorts by a clicked header with a few lines
of plain JavaScript: numbers as numbers, text as text, null cells last in both directions, ties in their order."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import pandas as pd

from dof.tables import D_STAR_PREDICTION_KEY, QUADRATIC_WIDTH_KEY

SORTABLE = """<script>
// Clicking a column header sorts the rows by it; a second click reverses. Numbers compare as numbers, text as text
// (numbers before text), null or empty cells stay last in both directions, and ties keep their previous order.
const NULLS = new Set(["", "null", "nan", "NaN", "<NA>", "None"]);
function cellKey(text) {
  const t = String(text).trim();
  if (NULLS.has(t)) return null;
  if (t === "inf") return Infinity;
  if (t === "-inf") return -Infinity;
  const n = Number(t);
  return Number.isNaN(n) ? t : n;
}
function compareKeys(a, b, ascending) {
  if (a === null || b === null) return (a === null) - (b === null);
  const rank = (typeof a === "number" ? 0 : 1) - (typeof b === "number" ? 0 : 1);
  const order = rank !== 0 ? rank : a < b ? -1 : a > b ? 1 : 0;
  return ascending ? order : -order;
}
function sortedOrder(texts, ascending) {
  const keyed = texts.map((text, index) => [cellKey(text), index]);
  keyed.sort((x, y) => compareKeys(x[0], y[0], ascending) || x[1] - y[1]);
  return keyed.map((pair) => pair[1]);
}
const headers = Array.from(document.querySelectorAll("th"));
headers.forEach((th) => th.addEventListener("click", () => {
  const table = th.closest("table"), body = table.tBodies[0], rows = Array.from(body.rows);
  const ascending = th.dataset.order !== "asc";
  const order = sortedOrder(rows.map((row) => row.cells[th.cellIndex].textContent), ascending);
  headers.forEach((other) => { if (other.closest("table") === table) delete other.dataset.order; });
  th.dataset.order = ascending ? "asc" : "desc";
  order.forEach((index) => body.appendChild(rows[index]));
}));
</script>"""
"""The page's script: `sortedOrder(texts, ascending)` is the whole comparison, the rest wires it to the headers."""

STYLE = (
    "body{font-family:sans-serif;font-size:13px} table{border-collapse:collapse} "
    "th{cursor:pointer;background:#eee;position:sticky;top:0;text-align:left;white-space:nowrap} "
    "td,th{padding:2px 8px;border-bottom:1px solid #ddd} td.num,th.num{text-align:right} td.null{color:#999} "
    "th[data-order=asc]::after{content:' \\25B2'} th[data-order=desc]::after{content:' \\25BC'} "
    "#all-columns:not(:checked)~table .extra{display:none} label{display:inline-block;margin:0 0 6px 4px}"
)
"""Numbers right-aligned under right-aligned headers, null cells grey, the sort direction as an arrow; the columns
outside the key hidden until the box is ticked."""


@dataclass(frozen=True)
class PageLayout:
    """How a report page orders its rows (`order`) and which columns it shows first (`key`; empty: every column)."""

    order: tuple[str, ...]
    key: tuple[str, ...] = ()


PAGE_LAYOUTS = {
    "thresholds": PageLayout(
        order=("dataset", "model", "t0", "metric", "epsilon"),
        key=(
            "dataset",
            "model",
            "t0",
            "metric",
            "epsilon",
            "d_star",
            "d_star_lo",
            "d_star_hi",
            "censoring",
            "d_below",
            "d_star_fit",
            "d_star_fit_lo",
            "d_star_fit_hi",
            "fit_interval",
            "fit_status",
            "d_int90",
        ),
    ),
    "d_star_prediction": PageLayout(
        order=D_STAR_PREDICTION_KEY,
        key=(
            *D_STAR_PREDICTION_KEY,
            "prediction_status",
            "d_star_predicted",
            "d_star_predicted_stderr",
            "d_star_predicted_top_k",
            "d_star",
            "d_star_lo",
            "d_star_hi",
            "log2_ratio",
        ),
    ),
    "widths": PageLayout(
        order=QUADRATIC_WIDTH_KEY,
        key=(
            *QUADRATIC_WIDTH_KEY,
            "start_inside",
            "w2",
            "w2_stderr",
            "d_star_predicted",
            "d_star_predicted_clipped",
            "d_star_closed_form",
            "d_star_empirical",
            "d_star_median",
        ),
    ),
    "baseline": PageLayout(order=("dataset", "model", "seed")),
}
"""The layout of each report page that has one (the others keep the table's row and column order)."""


def scalar_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns of a table that hold one value per cell (list columns such as spectral densities are left out)."""
    keep = [
        c for c in frame.columns if not frame[c].map(lambda v: isinstance(v, list | tuple) or hasattr(v, "shape")).any()
    ]
    return frame[keep]


def is_null(value: object) -> bool:
    """pandas' <NA>, None and NaN alike."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def cell_text(value: object) -> str:
    """A cell as the page shows it: null for a missing value, floats to six significant digits."""
    if is_null(value):
        return "null"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def is_numeric(column: pd.Series) -> bool:
    """Whether a column holds numbers (booleans are not: they read as text)."""
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def arrange(frame: pd.DataFrame, layout: PageLayout | None) -> tuple[pd.DataFrame, int]:
    """The rows in the layout's order and its key columns first (one null in every row goes with the others, e.g.
    d_int90 without a baseline); returns the frame and how many columns are key."""
    if layout is None:
        return frame, len(frame.columns)
    order = [c for c in layout.order if c in frame.columns]
    if order:
        frame = frame.sort_values(order, kind="stable", na_position="last").reset_index(drop=True)
    key = [c for c in layout.key if c in frame.columns and frame[c].notna().any()] or list(frame.columns)
    return frame[key + [c for c in frame.columns if c not in key]], len(key)


def _class(names: list[str]) -> str:
    """A class attribute for the given class names (nothing when there are none)."""
    return f' class="{" ".join(names)}"' if names else ""


def table_markup(frame: pd.DataFrame, n_key: int) -> str:
    """The <table> of a frame: columns after the first `n_key` carry class "extra", numeric ones "num", null
    cells "null"."""
    column_classes = [
        (["num"] if is_numeric(frame[name]) else []) + (["extra"] if index >= n_key else [])
        for index, name in enumerate(frame.columns)
    ]
    head = "".join(f"<th{_class(c)}>{html.escape(str(name))}</th>" for c, name in zip(column_classes, frame.columns))
    rows = [
        "<tr>"
        + "".join(
            f"<td{_class(c + ['null'] * is_null(value))}>{html.escape(cell_text(value))}</td>"
            for c, value in zip(column_classes, values)
        )
        + "</tr>"
        for values in frame.itertuples(index=False, name=None)
    ]
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def table_html(frame: pd.DataFrame, title: str, layout: PageLayout | None = None) -> str:
    """A whole HTML page with the table's scalar columns (key columns first), sortable by clicking a header."""
    cells, n_key = arrange(scalar_columns(frame), layout)
    n_columns = len(cells.columns)
    toggle = (
        f"<input type='checkbox' id='all-columns'><label for='all-columns'>show all {n_columns} columns "
        f"({n_columns - n_key} more after the key columns)</label>"
        if n_key < n_columns
        else ""
    )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><h3>{html.escape(title)} ({len(frame)} rows; click a header to sort)"
        f"</h3>{toggle}{table_markup(cells, n_key)}{SORTABLE}</body></html>"
    )
