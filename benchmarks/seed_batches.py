"""Seed batches: k subspace runs trained together through torch.func.vmap against the same k one after another.

On the GPU when one is present (the case vmap is for), else on the CPU (where it is printed for reference only):
mnist5k / Conv-2 from the seeds' initialisations (t0 = 0), one chunk of k runs per d and projection, timed end
to end through dof.stages.subspace_runs.run_subspaces (training and evaluation); prints the wall times, their
ratio and the largest difference of the final train accuracies (the test suite checks the equality on the CPU).

Usage: .venv/bin/python benchmarks/seed_batches.py [--runs 5] [--epochs 1] [--dims 64 4096] [--threads 1]
"""

from __future__ import annotations

import argparse
import time

import torch

from dof.config import BurnInConfig, SubspaceConfig
from dof.engine.data import load_dataset
from dof.engine.device import resolve_device
from dof.stages.burn_in import burn_in_checkpoint
from dof.stages.subspace_runs import run_subspaces


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per batch (k)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--dims", type=int, nargs="+", default=[64, 4096])
    parser.add_argument("--projections", nargs="+", default=["fastfood", "dense"])
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device("auto")
    print(f"device {device}, {torch.get_num_threads()} threads; {args.runs} runs per batch, {args.epochs} epoch(s)")
    if device == "cpu":
        print("no GPU here: the CPU numbers below are for reference (vmap is meant to fill a GPU)")
    data = load_dataset("mnist5k", n_train=4000)
    checkpoints = [burn_in_checkpoint(data, "conv2", seed, 0, BurnInConfig()) for seed in range(args.runs)]
    print(f"{'projection':<10} {'d':>6} {'one by one s':>13} {'vmapped s':>10} {'ratio':>6} {'max |delta acc|':>16}")
    for projection in args.projections:
        for dim in args.dims:
            times, tables = [], []
            for vmap_runs in (1, args.runs):
                if device == "cuda":
                    torch.cuda.synchronize()
                start = time.perf_counter()
                config = SubspaceConfig(epochs=args.epochs, projection=projection, vmap_runs=vmap_runs)
                tables.append(run_subspaces(data, checkpoints, dim, config, {}, device))
                if device == "cuda":
                    torch.cuda.synchronize()
                times.append(time.perf_counter() - start)
            delta = (tables[0]["train_acc"] - tables[1]["train_acc"]).abs().max()
            ratio = times[0] / times[1]
            print(f"{projection:<10} {dim:>6} {times[0]:>13.1f} {times[1]:>10.1f} {ratio:>6.2f} {delta:>16.4f}")


if __name__ == "__main__":
    main()
