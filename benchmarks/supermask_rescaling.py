"""Supermask rescalings: test accuracy of edge-popup supermasks over theta_0 with `variance` and `mean` rescaling.

mnist5k / Conv-2, seeds 0-2, kept fractions 0.1, 0.03, 0.01, the subspace budget (3 epochs, 96 steps); prints one
line per (seed, rescaling) with (kept fraction, d, train accuracy, test accuracy) and the time (about 6 s each).

Usage: .venv/bin/python benchmarks/supermask_rescaling.py
"""

from __future__ import annotations

import time

import torch

from dof.config import BurnInConfig, SubspaceConfig, SupermaskConfig
from dof.engine.data import load_dataset
from dof.stages.burn_in import burn_in_checkpoint
from dof.stages.lottery_supermasks import supermasks


def main() -> None:
    torch.set_num_threads(1)
    data = load_dataset("mnist5k", n_train=4000)
    for seed in (0, 1, 2):
        start = burn_in_checkpoint(data, "conv2", seed, 0, BurnInConfig())
        for rescale in ("mean", "variance"):
            begin = time.perf_counter()
            config = SupermaskConfig(enabled=True, rescale=rescale)
            rows = supermasks(data, start, config, (0.1, 0.03, 0.01), SubspaceConfig(), {})
            cells = [(r.kept_fraction, r.d, round(r.train_acc, 3), round(r.test_acc, 3)) for r in rows.itertuples()]
            print(f"seed {seed} {rescale:<8} {cells} {time.perf_counter() - begin:.0f} s", flush=True)


if __name__ == "__main__":
    main()
