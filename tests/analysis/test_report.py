"""The report's table pages: their layout (key columns first, rows in key order, headers aligned with cells) and
their sorting, run by executing the page's own script in a JavaScript engine (QuickJS) against a small stand-in for
the browser's table DOM, built from the generated HTML."""

import json
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
import quickjs

from dof.analysis.report import PAGE_LAYOUTS, PageLayout, table_html

FAKE_DOM = """
var __page = (function (headerNames, rowTexts) {
  const body = {rows: [], appendChild(row) {
    const at = this.rows.indexOf(row); if (at >= 0) this.rows.splice(at, 1); this.rows.push(row); }};
  const table = {tBodies: [body]};
  rowTexts.forEach((texts, id) => body.rows.push({id: id,
    cells: texts.map((text) => ({textContent: text, innerText: text}))}));
  const headers = headerNames.map((name, index) => ({cellIndex: index, dataset: {}, textContent: name, innerText: name,
    listeners: [], addEventListener(type, listener) { this.listeners.push(listener); }, closest() { return table; },
    click() { this.listeners.forEach((listener) => listener()); }}));
  return {body: body, headers: headers};
})(%s, %s);
var document = {querySelectorAll: () => __page.headers};
"""
"""What the page's script touches of a browser: header cells that take click listeners, a table body whose rows
move to the end when appended, cells with their text."""


class Page(HTMLParser):
    """The headers, the header and cell classes, the cell texts and the scripts of a generated page."""

    def __init__(self, text: str):
        super().__init__()
        self.headers, self.header_classes, self.rows, self.row_classes, self.scripts = [], [], [], [], []
        self._in, self._text, self._class = None, "", ""
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "tr" and self.headers:  # a body row: the header row comes first
            self.rows.append([])
            self.row_classes.append([])
        if tag in ("th", "td", "script"):
            self._in, self._text, self._class = tag, "", dict(attrs).get("class") or ""

    def handle_data(self, data):
        if self._in:
            self._text += data

    def handle_endtag(self, tag):
        if tag != self._in:
            return
        if tag == "th":
            self.headers.append(self._text)
            self.header_classes.append(set(self._class.split()))
        elif tag == "td":
            self.rows[-1].append(self._text)
            self.row_classes[-1].append(set(self._class.split()))
        else:
            self.scripts.append(self._text)
        self._in = None


def clicks(page_html: str, *columns: str) -> list[list[str]]:
    """The rows' cell texts after clicking the given headers one after the other, in the page's own script."""
    page = Page(page_html)
    (script,) = page.scripts
    context = quickjs.Context()
    context.eval(FAKE_DOM % (json.dumps(page.headers), json.dumps(page.rows)))
    context.eval(script)
    for column in columns:
        context.eval(f"__page.headers[{page.headers.index(column)}].click()")
    order = json.loads(context.eval("JSON.stringify(__page.body.rows.map((row) => row.id))"))
    return [page.rows[i] for i in order]


def column(rows: list[list[str]], page_html: str, name: str) -> list[str]:
    """One column's texts of the rows."""
    return [row[Page(page_html).headers.index(name)] for row in rows]


def thresholds_like() -> pd.DataFrame:
    """A thresholds table as the default run writes it: method order (burn-in t0 first), nulls where the grid never
    reached 1 - delta or the fit is not identified, one spectrum-like list column."""
    rng = np.random.default_rng(0)
    rows = []
    for method, t0 in (("burn_in", 4), ("burn_in", 16), ("random", 0)):
        for metric in ("train_acc", "test_acc"):
            for eps in (0.2, 0.5, 0.9, 0.95):
                d_star = {0.2: 0, 0.5: 32 if t0 < 16 else 0, 0.9: 2048, 0.95: None}[eps]
                rows.append(
                    {
                        "dataset": "mnist5k",
                        "model": "conv2",
                        "method": method,
                        "t0": t0,
                        "metric": metric,
                        "epsilon": eps,
                        "d_star": d_star,
                        "censoring": "above_grid" if d_star is None else ("start" if d_star == 0 else "measured"),
                        "d_star_fit": float(rng.uniform(4, 4096)) if eps == 0.9 else float("nan"),
                        "n_bootstrap": 100,
                        "d_star_fraction": None if d_star is None else d_star / 20490,
                        "curve": [1.0, 2.0],
                    }
                )
    table = pd.DataFrame(rows)
    table["d_star"] = table["d_star"].astype("Int64")
    return table


@pytest.fixture
def page() -> str:
    return table_html(thresholds_like(), "thresholds: test", PAGE_LAYOUTS["thresholds"])


def numbers_then_nulls(texts: list[str], descending: bool = False) -> bool:
    """Numbers in order (ties allowed) followed by every null."""
    values = [float(t) for t in texts if t != "null"]
    n = len(values)
    return all(t == "null" for t in texts[n:]) and values == sorted(values, reverse=descending)


def test_a_column_with_nulls_sorts_numerically_with_nulls_last_in_both_directions(page):
    up = column(clicks(page, "d_star"), page, "d_star")
    assert "null" in up and numbers_then_nulls(up), up
    down = column(clicks(page, "d_star", "d_star"), page, "d_star")
    assert numbers_then_nulls(down, descending=True), down
    fitted = column(clicks(page, "d_star_fit"), page, "d_star_fit")
    assert numbers_then_nulls(fitted), fitted


def test_numbers_compare_as_numbers_and_text_as_text(page):
    t0 = column(clicks(page, "t0"), page, "t0")
    assert t0 == sorted(t0, key=int) and t0[0] == "0" and t0[-1] == "16"  # as text "16" < "4"
    censoring = column(clicks(page, "censoring", "censoring"), page, "censoring")
    assert censoring == sorted(censoring, reverse=True)


def test_sorting_is_stable(page):
    rows = clicks(page, "epsilon", "metric")
    metric, eps = column(rows, page, "metric"), column(rows, page, "epsilon")
    for name in ("test_acc", "train_acc"):
        mine = [float(e) for m, e in zip(metric, eps) if m == name]
        assert mine == sorted(mine), (name, mine)


def test_the_comparison_reads_infinities_exponents_and_every_null_spelling():
    script = Page(table_html(pd.DataFrame({"x": [1]}), "t")).scripts[0]
    context = quickjs.Context()
    context.eval(FAKE_DOM % ("[]", "[]"))
    context.eval(script)
    texts = ["1e+06", "inf", "null", "-3", "", "NaN", "2.5", "-inf", "<NA>", "abc", "None", "10"]
    order = json.loads(context.eval(f"JSON.stringify(sortedOrder({json.dumps(texts)}, true))"))
    assert [texts[i] for i in order] == ["-inf", "-3", "2.5", "10", "1e+06", "inf", "abc"] + [
        "null",
        "",
        "NaN",
        "<NA>",
        "None",
    ]


def test_thresholds_page_shows_key_columns_first_in_key_order_and_the_rest_behind_a_box(page):
    parsed = Page(page)
    key = [c for c in PAGE_LAYOUTS["thresholds"].key if c in thresholds_like().columns]
    assert parsed.headers[: len(key)] == key
    assert set(parsed.headers[len(key) :]) == {"method", "n_bootstrap", "d_star_fraction"}  # no list column
    all_null = table_html(thresholds_like().assign(d_star_fit=float("nan")), "t", PAGE_LAYOUTS["thresholds"])
    assert Page(all_null).headers[len(key) - 1 :] == ["method", "d_star_fit", "n_bootstrap", "d_star_fraction"]
    assert all(("extra" in c) == (i >= len(key)) for i, c in enumerate(parsed.header_classes))
    assert "<input type='checkbox' id='all-columns'>" in page and "show all 11 columns (3 more" in page
    t0 = column(parsed.rows, page, "t0")
    assert t0 == sorted(t0, key=int)  # rows by (dataset, model, t0, metric, epsilon), not the table's method order
    first = parsed.rows[: len(set(column(parsed.rows, page, "epsilon")))]
    assert column(first, page, "metric") == ["test_acc"] * len(first)
    assert column(first, page, "epsilon") == sorted(column(first, page, "epsilon"), key=float)


def test_headers_are_aligned_like_their_cells(page):
    parsed = Page(page)
    for index, header in enumerate(parsed.header_classes):
        for row in parsed.row_classes:
            assert ("num" in header) == ("num" in row[index]), parsed.headers[index]
    assert "num" in parsed.header_classes[parsed.headers.index("d_star")]
    assert "num" not in parsed.header_classes[parsed.headers.index("censoring")]
    assert "td.num,th.num{text-align:right}" in page


def test_a_page_without_layout_keeps_every_column_and_row_and_shows_no_box():
    frame = pd.DataFrame({"b": [2, 1], "a": ["x", None]})
    page = table_html(frame, "plain", None)
    parsed = Page(page)
    assert parsed.headers == ["b", "a"] and parsed.rows == [["2", "x"], ["1", "null"]]
    assert "<input" not in page and 'extra"' not in page
    assert "null" in parsed.row_classes[1][1]
    assert table_html(frame, "plain", PageLayout(order=("b",))).index(">1<") < table_html(frame, "p").index(">1<")


def test_a_page_is_self_contained(page):
    assert not re.search(r"(src|href)\s*=", page)
