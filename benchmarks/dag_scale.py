"""DAG scale: `snakemake -n` on a sweep of about 20,000 subspace runs, and aggregating 20,000 run records.

Usage: .venv/bin/python benchmarks/dag_scale.py [--seeds 385] [--seeds-per-job 10] [--whole-paper]
Prints the dry-run time, the job counts and the aggregation / success / threshold times.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from dof.analysis import records, thresholds
from dof.engine import io

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


def sweep_config(n_seeds: int, seeds_per_job: int, whole_paper: bool) -> dict:
    """config/paper.yaml with n_seeds seeds: one network (MNIST, Conv-2), no lottery or jamming stage, unless
    whole_paper."""
    config = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())
    config["experiment"] = "scale"
    if not whole_paper:
        config["datasets"], config["models"] = ["mnist"], ["conv2"]
        config["baseline"]["enabled"] = config["lottery"]["enabled"] = False
        config.setdefault("jamming", {})["enabled"] = False
    config["subspace"]["seeds"] = list(range(n_seeds))
    config["subspace"]["seeds_per_job"] = seeds_per_job
    return config


def fake_chunk(config: dict, t0: int, d: int, seeds: list[int], rng: np.random.Generator) -> pd.DataFrame:
    """A chunk table with the real columns and plausible values (no training)."""
    n = len(seeds)
    acc = np.clip(rng.normal(0.3 + 0.15 * np.log2(d) / 2, 0.05, n), 0, 1)
    return pd.DataFrame(
        {
            "dataset": "mnist5k",
            "model": "conv2",
            "n_params": 20_490,
            "t0": t0,
            "d": d,
            "seed": seeds,
            "init_seed": rng.integers(0, 2**62, n),
            "burn_in_batch_seed": rng.integers(0, 2**62, n),
            "subspace_seed": rng.integers(0, 2**62, n),
            "batch_seed": rng.integers(0, 2**62, n),
            "projection": "dense",
            "start_train_acc": 0.1,
            "start_test_acc": 0.1,
            "status": "ok",
            "steps": 96,
            "train_loss": 2.0 - acc,
            "train_acc": acc,
            "test_loss": 2.0 - acc,
            "test_acc": acc - 0.01,
            "phi_norm": 1.0,
            "wall_time_s": 5.0,
            "dof_version": "0.1.0",
            "git_commit": "x" * 40,
            "torch_version": "2.14.1",
            "device": "cpu",
            "config_hash": "0123456789abcdef",
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=385, help="seeds per (t0, d); 385 x 52 cells = 20,020 runs")
    parser.add_argument("--seeds-per-job", type=int, default=10)
    parser.add_argument("--whole-paper", action="store_true", help="every dataset and model of paper.yaml, lottery on")
    args = parser.parse_args()
    config = sweep_config(args.seeds, args.seeds_per_job, args.whole_paper)
    cells = len(config["burn_in"]["t0"]) * len(config["subspace"]["dims"])
    print(f"sweep: {cells} (t0, d) cells x {args.seeds} seeds = {cells * args.seeds:,} runs")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in ("Snakefile", "workflow", "config", "profiles", "envs"):
            (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, work / name)
        (work / "config" / "scale.yaml").write_text(yaml.safe_dump(config))
        start = time.perf_counter()
        out = subprocess.run(
            [SNAKEMAKE, "-n", "--quiet", "rules", "--configfile", "config/scale.yaml"],
            cwd=work,
            capture_output=True,
            text=True,
            check=True,
        )
        dry_run = time.perf_counter() - start
        print(f"snakemake -n: {dry_run:.1f} s")
        print("\n".join(line for line in out.stdout.splitlines() if line.strip()))

        rng = np.random.default_rng(0)
        size = args.seeds_per_job
        chunk_dir = work / "chunks"
        paths = []
        for t0 in config["burn_in"]["t0"]:
            for d in config["subspace"]["dims"]:
                for i in range(0, args.seeds, size):
                    seeds = list(range(i, min(i + size, args.seeds)))
                    path = chunk_dir / f"t0_{t0}_d_{d}_{i}.parquet"
                    io.write_table(fake_chunk(config, t0, d, seeds, rng), path)
                    paths.append(path)
        print(f"{len(paths):,} chunk files written")
        expected = records.expected_grid(
            {
                "dataset": ["mnist5k"],
                "model": ["conv2"],
                "t0": config["burn_in"]["t0"],
                "d": config["subspace"]["dims"],
                "seed": config["subspace"]["seeds"],
            }
        )
        start = time.perf_counter()
        runs = records.aggregate((io.read_table(p) for p in paths), expected)
        io.write_table(runs, work / "runs.parquet", config=config)
        aggregate = time.perf_counter() - start
        start = time.perf_counter()
        success = thresholds.success_table(runs, config["thresholds"]["epsilons"], ["train_acc", "test_acc"])
        table = thresholds.threshold_table(success, n_bootstrap=1000)
        analysis = time.perf_counter() - start
        print(f"aggregate {len(runs):,} run records from {len(paths):,} files into runs.parquet: {aggregate:.1f} s")
        print(
            f"success table ({len(success):,} rows) + thresholds ({len(table):,} rows, 1,000 bootstraps): "
            f"{analysis:.1f} s"
        )


if __name__ == "__main__":
    main()
