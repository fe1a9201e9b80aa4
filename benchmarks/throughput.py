"""Runs per hour: this workflow against what the published codes do, on the same grid and machine.

Baseline (the published codes' way): one run at a time, each in a fresh Python process that loads the data,
initialises the network, does its own burn-in of t0 steps, stores the dense A (D x d, the authors' projection)
and trains and evaluates phi with the same Adam and budget (the package's own model and training code, so only
the engineering differs); torch uses every core inside the one process.
dof: `snakemake --cores <cores>` on the default config restricted to the same grid, in a temporary project copy,
up to runs.parquet (burn-in checkpoints computed once per (seed, t0), chunks of seeds per job, one job per core),
once per projection given with --projections.

The grid is a slice of the default sweep (every t0, dims 4 / 64 / 1,024 / 4,096, seeds 0-4: 60 runs) unless
--full asks for the whole default grid (165 runs, about an hour for both sides here).

Usage: .venv/bin/python benchmarks/throughput.py [--full] [--cores 2] [--projections dense fastfood]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
SLICE_DIMS = [4, 64, 1024, 4096]


def grid_config(full: bool, projection: str) -> dict:
    """The default config, restricted to the benchmark's grid, with the given projection."""
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    config["experiment"] = f"throughput_{projection}"
    config["subspace"]["projection"] = projection
    if not full:
        config["subspace"]["dims"] = SLICE_DIMS
    return config


def grid_points(config: dict) -> list[tuple[int, int, int]]:
    axes = (config["burn_in"]["t0"], config["subspace"]["dims"], config["subspace"]["seeds"])
    return [(t0, d, s) for t0 in axes[0] for d in axes[1] for s in axes[2]]


def baseline_run(t0: int, dim: int, seed: int) -> None:
    """One run the published codes' way (called in its own process): everything from scratch, A stored whole."""
    from dof.config import BurnInConfig, DataConfig, SubspaceConfig, as_dict
    from dof.engine.data import load_dataset
    from dof.engine.models import build_model
    from dof.engine.projections import DenseProjection
    from dof.engine.seeding import run_seeds
    from dof.engine.subspace import SubspaceModule
    from dof.engine.training import burn_in, train_subspace

    data = load_dataset("mnist5k", **as_dict(DataConfig().mnist5k))  # the default split, as the workflow's
    seeds = run_seeds(seed, dim)
    model = build_model("conv2", data.input_shape, data.n_classes, seeds["init_seed"])
    theta, _ = burn_in(model, data, t0, seeds["burn_in_batch_seed"], BurnInConfig())
    projection = DenseProjection(theta.numel(), dim, seeds["subspace_seed"], mode="stored", memory_budget=2**40)
    result = train_subspace(SubspaceModule(model, dim, projection), data, seeds["batch_seed"], SubspaceConfig())
    print(f"t0={t0} d={dim} seed={seed} train_acc={result.train_acc:.3f}", flush=True)


def time_baseline(points: list[tuple[int, int, int]]) -> float:
    start = time.perf_counter()
    for t0, dim, seed in points:
        subprocess.run([sys.executable, __file__, "--baseline-run", str(t0), str(dim), str(seed)], check=True)
    return time.perf_counter() - start


def time_workflow(config: dict, cores: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in ("Snakefile", "workflow", "config", "profiles", "envs"):
            (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, work / name)
        (work / "config" / "bench.yaml").write_text(yaml.safe_dump(config))
        target = f"results/{config['experiment']}/runs.parquet"
        start = time.perf_counter()
        subprocess.run(
            [SNAKEMAKE, target, "--cores", str(cores), "--quiet", "all", "--configfile", "config/bench.yaml"],
            cwd=work,
            check=True,
        )
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="the whole default grid, not the 60-run slice")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--projections", nargs="+", default=["dense", "fastfood"])
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--baseline-run", nargs=3, type=int, metavar=("T0", "D", "SEED"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_run:
        baseline_run(*args.baseline_run)
        return

    points = grid_points(grid_config(args.full, "dense"))
    print(f"grid: {len(points)} runs ({'full default grid' if args.full else 'slice: dims ' + str(SLICE_DIMS)})")
    rates = {}
    for projection in args.projections:
        wall = time_workflow(grid_config(args.full, projection), args.cores)
        rates[f"dof ({projection}, --cores {args.cores})"] = len(points) / wall * 3600
        print(f"dof, {projection}: {wall:.0f} s, {rates[f'dof ({projection}, --cores {args.cores})']:.0f} runs/hour")
    if not args.skip_baseline:
        wall = time_baseline(points)
        baseline = len(points) / wall * 3600
        print(f"baseline (one process per run, stored dense A): {wall:.0f} s, {baseline:.0f} runs/hour")
        for name, rate in rates.items():
            print(f"{name} / baseline: {rate / baseline:.2f}x")


if __name__ == "__main__":
    main()
