"""Tables for the HTML report: a Parquet table as a self-contained, sortable HTML page."""

from __future__ import annotations

import html

import pandas as pd

SORTABLE = """<script>
document.querySelectorAll("th").forEach((th, column) => th.addEventListener("click", () => {
  const body = th.closest("table").tBodies[0], rows = Array.from(body.rows), up = th.dataset.up !== "1";
  const key = (row) => { const t = row.cells[column].innerText, n = parseFloat(t); return isNaN(n) ? t : n; };
  rows.sort((a, b) => (key(a) > key(b) ? 1 : key(a) < key(b) ? -1 : 0) * (up ? 1 : -1));
  th.dataset.up = up ? "1" : "0"; rows.forEach((row) => body.appendChild(row));
}));
</script>"""
"""A few lines of plain JavaScript: clicking a column header sorts the rows by it (numbers as numbers)."""


def scalar_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns of a table that hold one value per cell (list columns such as spectral densities are left out)."""
    keep = [
        c for c in frame.columns if not frame[c].map(lambda v: isinstance(v, list | tuple) or hasattr(v, "shape")).any()
    ]
    return frame[keep]


def table_html(frame: pd.DataFrame, title: str) -> str:
    """A whole HTML page with the table's scalar columns, sortable by clicking a header."""
    cells = scalar_columns(frame).astype(object)
    cells = cells.where(cells.notna(), "null")  # pandas' <NA> and NaN alike
    table = cells.to_html(index=False, float_format=lambda x: f"{x:.6g}", border=0)
    style = (
        "body{font-family:sans-serif;font-size:13px} table{border-collapse:collapse} "
        "th{cursor:pointer;background:#eee;position:sticky;top:0} td,th{padding:2px 8px;border-bottom:1px solid #ddd}"
    )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body><h3>{html.escape(title)} ({len(frame)} rows; click a header to sort)"
        f"</h3>{table}{SORTABLE}</body></html>"
    )
