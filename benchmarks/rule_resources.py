"""Per-rule resource use from the `benchmark:` files of a finished run (basis of profiles/slurm).

Usage: .venv/bin/python benchmarks/rule_resources.py [results/default]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def rule_resources(results: Path) -> pd.DataFrame:
    """Jobs, median and max wall time (s) and max resident memory (MB) per rule."""
    frames = []
    for path in sorted((results / "benchmarks").rglob("*.tsv")):
        rule = path.relative_to(results / "benchmarks").parts[0].removesuffix(".tsv")
        frames.append(pd.read_csv(path, sep="\t").assign(rule=rule))
    if not frames:
        raise SystemExit(f"no benchmark files under {results}/benchmarks: run snakemake first")
    table = pd.concat(frames)
    return table.groupby("rule").agg(
        jobs=("s", "size"), median_s=("s", "median"), max_s=("s", "max"), max_rss_mb=("max_rss", "max")
    )


if __name__ == "__main__":
    results = Path(sys.argv[1] if len(sys.argv) > 1 else "results/default")
    print(rule_resources(results).round(1).to_string())
