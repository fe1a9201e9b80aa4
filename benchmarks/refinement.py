"""Adaptive refinement against the dense fine grid: runs needed and agreement of the thresholds.

Runs the workflow twice on one experiment folder (default results/refine_bench): first the configured grid with
`thresholds.refine.rounds` rounds (the refined run), then the dense grid that refines every neighbouring pair as
often (the reference, e.g. 41 d at 2^(1/4) for the default's 11 at factor 2). The dense run reuses every refined
run (same paths, same seeds), so the whole benchmark costs the dense grid once. Prints the run counts, their ratio,
and how often the grid thresholds at 1 - delta and 1/2 of every (t0, metric, epsilon) curve agree within one
fine-grid step; writes the comparison to <folder>/refinement_agreement.parquet. Code fingerprints are off and
Snakemake reruns only on missing or older files and changed input lists (`--rerun-triggers mtime input`), so edits
made during a long benchmark do not restart it: delete the folder for a fresh measurement.

Usage: .venv/bin/python benchmarks/refinement.py [--config config/config.yaml] [--rounds 2] [--resolution 1.19]
       [--experiment refine_bench] [--cores 2]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml

from dof.analysis import refinement
from dof.analysis.thresholds import success_table

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


def run_workflow(config: dict, name: str, folder: Path, cores: int) -> float:
    """Write `config` beside the results and run snakemake up to thresholds.parquet; returns the wall time."""
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    targets = [f"{folder.relative_to(ROOT)}/{table}.parquet" for table in ("runs", "success", "thresholds")]
    command = [
        SNAKEMAKE,
        *targets,
        "--configfile",
        str(path),
        "--cores",
        str(cores),
        "--rerun-triggers",
        "mtime",
        "input",
        "--forcerun",  # re-read the rounds: Snakemake starts no checkpoint below an existing table
        "aggregate_runs",
    ]
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True)
    return time.perf_counter() - start


def thresholds_of(runs: pd.DataFrame, criteria: dict) -> pd.DataFrame:
    """The success table of some runs under the given criteria."""
    return success_table(runs, criteria["epsilons"], criteria["metrics"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config/config.yaml")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--resolution", type=float, default=1.19)
    parser.add_argument("--experiment", default="refine_bench")
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    base = yaml.safe_load((ROOT / args.config).read_text())
    base.update(experiment=args.experiment, track_code=False)
    folder = ROOT / "results" / args.experiment
    folder.mkdir(parents=True, exist_ok=True)
    thresholds = base.setdefault("thresholds", {})
    refine = {"rounds": args.rounds, "resolution": args.resolution}
    fine_grid = refinement.dense_refinement(base["subspace"]["dims"], args.rounds, args.resolution)

    refined_config = {**base, "thresholds": {**thresholds, "refine": refine}}
    refined_s = run_workflow(refined_config, "refined", folder, args.cores)
    for table in ("runs", "success"):
        shutil.copy(folder / f"{table}.parquet", folder / f"refined_{table}.parquet")
    dense_config = {
        **base,
        "subspace": {**base["subspace"], "dims": fine_grid},
        "thresholds": {**thresholds, "refine": {"rounds": 0}},
    }
    dense_s = run_workflow(dense_config, "dense", folder, args.cores)

    runs, dense_success = (pd.read_parquet(folder / f"{table}.parquet") for table in ("runs", "success"))
    refined_runs, dense_runs = len(pd.read_parquet(folder / "refined_runs.parquet")), len(runs)
    delta = float(thresholds.get("delta", 0.1))
    levels = list(refinement.LEVELS)
    refined_success = pd.read_parquet(folder / "refined_success.parquet")
    table = refinement.agreement_table(dense_success, refined_success, fine_grid, levels, delta)
    table.to_parquet(folder / "refinement_agreement.parquet", index=False)
    print(f"\n{args.config}: {len(base['subspace']['dims'])} d configured, fine grid {len(fine_grid)} d")
    print(f"wall time: refined run {refined_s:.0f} s, then the dense grid (reusing it) {dense_s:.0f} s")
    print(f"runs: refined {refined_runs}, dense fine grid {dense_runs}, ratio {refined_runs / dense_runs:.2f}")
    for level, cells in table.groupby("level"):
        print(f"level {level}: {cells['agrees'].mean():.1%} of {len(cells)} curves agree within one fine step")
    print(f"all levels: {table['agrees'].mean():.1%} of {len(table)}")
    dims = base["subspace"]["dims"]
    required = refinement.required_cells(dense_success, dims, levels, delta)
    floor = int(runs["d"].isin(dims).sum()) + len(base["subspace"]["seeds"]) * len(required)
    print(
        f"lower bound: {len(required)} (t0, d) cells off the configured grid hold a dense d* or the fine d below it; a"
        f" refinement running every seed at its new d needs >= {floor} runs ({floor / dense_runs:.0%})"
    )
    print("\nvariants, replayed on the dense runs (refinement.replay_refinement); agreement over the refined curves")
    cpu = runs.groupby(["t0", "d"])["wall_time_s"].sum()
    all_metrics = list(thresholds.get("metrics", ["train_acc", "test_acc"]))
    variants = [
        (variant_levels, {"metrics": metrics})
        for variant_levels in (levels, ["one_minus_delta"], ["half"])
        for metrics in (all_metrics, ["train_acc"])
    ] + [(levels, {"epsilons": [0.5, 0.9]}), (levels, {"metrics": ["train_acc"], "epsilons": [0.5, 0.9]})]
    criteria = {"epsilons": thresholds["epsilons"], "metrics": all_metrics, "delta": delta}
    for variant_levels, chosen in variants:
        kept = refinement.replay_refinement(
            runs, dims, args.rounds, variant_levels, {**criteria, "refine": chosen}, args.resolution
        )
        agree = refinement.agreement_table(
            refinement.chosen_curves(dense_success, **chosen),
            refinement.chosen_curves(thresholds_of(kept, criteria), **chosen),
            fine_grid,
            variant_levels,
            delta,
        )
        share = cpu.loc[sorted(set(zip(kept["t0"], kept["d"])))].sum() / cpu.sum()
        label = " ".join(f"{key} {'+'.join(map(str, value))}" for key, value in chosen.items())
        print(
            f"  levels {'+'.join(variant_levels):<21} {label:<36}"
            f" runs {len(kept) / len(runs):4.0%} run time {share:4.0%}"
            f"  agree {agree['agrees'].mean():6.1%} of {len(agree)}"
        )
    off = table[~table["agrees"]]
    if len(off):
        print(off[["t0", "metric", "epsilon", "level", "d_level_reference", "d_level_refined"]].to_string(index=False))


if __name__ == "__main__":
    main()
