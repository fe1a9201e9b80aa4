"""The README's numbers of a finished run, printed from its tables so that they cannot drift from the data.

    python -m dof.analysis.summary results/default                    # the rows, as Markdown
    python -m dof.analysis.summary results/default --readme README.md  # written between the README's markers

Reads thresholds.parquet (the grid d* per t0 at a few accuracy thresholds, how many fitted d* are identified) and
d_star_prediction.parquet (the range of log2(measured / predicted) and how much the prediction moves with t0)."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from dof.analysis.plotting import METRIC_LABELS

README_EPSILONS = (0.3, 0.5, 0.85, 0.9)
"""The accuracy thresholds whose d* the README quotes."""

START, END = "<!-- summary:start", "<!-- summary:end -->"
"""The README's markers around the table this module writes (the start marker's line also names the command)."""


def grid_value(d_star: object, d_max: int) -> str:
    """A grid d* as the README writes it: thousands separated; above the grid as '> d_max'."""
    return f"> {int(d_max):,}" if pd.isna(d_star) else f"{int(d_star):,}"


def threshold_cells(thresholds: pd.DataFrame, metric: str, epsilons: Sequence[float]) -> str:
    """'epsilon 0.3: 64 / 32 / 0; 0.5: ...': the grid d* of `metric` per t0 (ascending) at each epsilon."""
    rows = thresholds[thresholds["metric"] == metric]
    parts = []
    for eps in epsilons:
        cells = rows[np.isclose(rows["epsilon"], eps)].sort_values("t0")
        if cells.empty:
            continue
        values = " / ".join(grid_value(d, d_max) for d, d_max in zip(cells["d_star"], cells["d_max"]))
        parts.append(f"{eps:g}: {values}")
    return "epsilon " + "; ".join(parts) if parts else "no threshold rows"


def fitted_count(thresholds: pd.DataFrame, metric: str) -> tuple[int, int]:
    """How many (t0, epsilon) cells of `metric` have an identified fitted d* (fit_status ok), and how many cells."""
    rows = thresholds[thresholds["metric"] == metric]
    return int((rows["fit_status"] == "ok").sum()), len(rows)


def where(row: pd.Series) -> str:
    """A prediction row's cell: 't0 = 4, train accuracy, epsilon = 0.95'."""
    return f"t0 = {int(row['t0'])}, {METRIC_LABELS.get(row['metric'], row['metric'])}, epsilon = {row['epsilon']:g}"


def ratio_range(prediction: pd.DataFrame) -> str:
    """The range of log2(measured / predicted) over the cells where both are positive, with the extreme cells."""
    rows = prediction[prediction["log2_ratio"].notna()]
    if rows.empty:
        return "no cell with both a measured and a predicted d* > 0"
    low, high = rows.loc[rows["log2_ratio"].idxmin()], rows.loc[rows["log2_ratio"].idxmax()]
    return (
        f"log2(measured / predicted) from {low['log2_ratio']:+.1f} ({where(low)}) to {high['log2_ratio']:+.1f} "
        f"({where(high)}), median {rows['log2_ratio'].median():+.1f} over {len(rows)} cells"
    )


def t0_spread(prediction: pd.DataFrame) -> float:
    """The largest relative change of the predicted d* across t0 at one (metric, epsilon): max / min - 1 of the
    per-t0 means over Hessian seeds (ok predictions only); NaN where no (metric, epsilon) has two t0."""
    ok = prediction[prediction["prediction_status"] == "ok"]
    per_t0 = ok.groupby(["metric", "epsilon", "t0"])["d_star_predicted"].mean()
    spread = per_t0.groupby(["metric", "epsilon"]).agg(lambda s: s.max() / s.min() - 1 if len(s) > 1 else np.nan)
    return float(spread.max()) if spread.notna().any() else float("nan")


def summary_rows(
    thresholds: pd.DataFrame, prediction: pd.DataFrame, folder: str, epsilons: Sequence[float] = README_EPSILONS
) -> list[tuple[str, str, str]]:
    """(what, result, command) rows of the README's "Measured" table for one run's tables."""
    metric = "train_acc" if "train_acc" in set(thresholds["metric"]) else str(thresholds["metric"].iloc[0])
    t0s = " / ".join(str(int(t)) for t in sorted(thresholds["t0"].unique()))
    delta = float(thresholds["delta"].iloc[0])
    ok, cells = fitted_count(thresholds, metric)
    label = METRIC_LABELS.get(metric, metric)
    spread = t0_spread(prediction)
    moves = f"; the prediction moves by at most {spread:.0%} with t0" if np.isfinite(spread) else ""
    return [
        (
            f"grid d* ({label}, delta = {delta:g}, t0 = {t0s})",
            f"{threshold_cells(thresholds, metric, epsilons)} (0: the burn-in point already succeeds; > d: not "
            f"reached on the grid); fitted d* identified in {ok} of {cells} {label} cells",
            f"`{folder}/thresholds.parquet`",
        ),
        ("predicted against measured d*", ratio_range(prediction) + moves, f"`{folder}/d_star_prediction.parquet`"),
    ]


def markdown(rows: list[tuple[str, str, str]], folder: str) -> str:
    """The rows as a Markdown table between the README's markers (the start marker names the command)."""
    lines = [
        f"{START} -->",
        f"| `{folder}` (written by `python -m dof.analysis.summary {folder} --readme README.md`) | result | table |",
        "|---|---|---|",
        *(f"| {what} | {result} | {table} |" for what, result, table in rows),
        END,
    ]
    return "\n".join(lines)


def replace_block(text: str, block: str) -> str:
    """`text` with the part from the start marker to the end marker replaced by `block`; an error without them."""
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if len(pattern.findall(text)) != 1:
        raise ValueError(f"the README needs exactly one block from '{START}' to '{END}'")
    return pattern.sub(lambda _: block, text)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the README's rows of a results folder, or write them between the README's markers."""
    parser = argparse.ArgumentParser(prog="python -m dof.analysis.summary", description=__doc__.splitlines()[0])
    parser.add_argument("results", help="a finished run's folder, e.g. results/default")
    parser.add_argument("--readme", type=Path, help="write the rows between this file's summary markers")
    parser.add_argument("--epsilons", type=float, nargs="+", default=list(README_EPSILONS))
    args = parser.parse_args(argv)
    folder = args.results.rstrip("/")
    thresholds = pd.read_parquet(Path(folder) / "thresholds.parquet")
    prediction = pd.read_parquet(Path(folder) / "d_star_prediction.parquet")
    block = markdown(summary_rows(thresholds, prediction, folder, args.epsilons), folder)
    if args.readme:
        args.readme.write_text(replace_block(args.readme.read_text(), block))
    else:
        print(block)
    return 0


if __name__ == "__main__":
    sys.exit(main())
