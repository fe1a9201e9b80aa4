"""Benchmark of the projection engine (a script, not a test): prints three tables.

1. Conv-2 on (1, 28, 28) inputs, 10 classes, batch 128 of random inputs, cross-entropy: the time of one training
   step in the subspace (forward + backward + Adam on phi through dof.subspace.AffineSubspace) divided by the time
   of one full-space step (forward + backward + torch.optim.Adam on the model's parameters), at d in
   {100, 1000, 4096, D // 4} for every projection kind (plus the dense projection forced to regenerate A), after
   warm-up steps; the two steps alternate and the ratio is the median of the per-round ratios.
2. The Walsh-Hadamard transform, forward + backward, over 2^19 entries.
3. The peak extra memory of building + applying each projection at D = 272,474 (ResNet20), d = 65,536, for the
   kinds that fit: measured in a fresh child process as the peak resident set size (VmHWM, reset through
   /proc/self/clear_refs before the build) minus the resident size just before building, next to the bytes held by
   the projection's own tensors. The dense projection is in its regenerating mode there (A would take 71 GB); its
   pass over all 2048 blocks is long, so it is measured over the first chunks only (the memory of every chunk is
   the same) and its full pass time is extrapolated.

Usage: .venv/bin/python benchmarks/projections.py [--repeats N] [--warmup N] [--threads N]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
from torch.nn import functional as F

from dof.engine.models import build_model
from dof.engine.projections import DENSE_BLOCK_COLUMNS, hadamard_factors, make_projection, walsh_hadamard
from dof.engine.subspace import AffineSubspace, flatten_params

RESNET20_D = 272_474
MEMORY_DIM = 65_536
# (label, kind, options) of the rows of the Conv-2 table
CONV2_VARIANTS = [
    ("dense", "dense", {}),
    ("dense, regenerated", "dense", {"mode": "chunked"}),
    ("sparse, 8192 nnz/col", "sparse", {}),
    ("sparse, 64 nnz/col", "sparse", {"nnz_per_column": 64}),
    ("fastfood", "fastfood", {}),
]
MEMORY_VARIANTS = [
    ("dense, regenerated", "dense", {}),
    ("sparse, 64 nnz/col", "sparse", {"nnz_per_column": 64}),
    ("fastfood", "fastfood", {}),
]


def median_time(step, warmup: int, repeats: int) -> float:
    """Median wall time (s) of step() after warm-up calls."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def paired_times(full_step, subspace_step, warmup: int, repeats: int) -> tuple[float, float, float]:
    """Median full-space and subspace step times (s) and the median of their per-round ratio.

    The two steps alternate, one of each per round, so a load that changes during the run (another job on the
    machine) affects both sides of each ratio alike.
    """
    for _ in range(warmup):
        full_step()
        subspace_step()
    full, sub = [], []
    for _ in range(repeats):
        for step, times in ((full_step, full), (subspace_step, sub)):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
    ratio = statistics.median(s / f for s, f in zip(sub, full))
    return statistics.median(full), statistics.median(sub), ratio


def conv2_table(warmup: int, repeats: int) -> None:
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(128, 1, 28, 28, generator=gen), torch.randint(0, 10, (128,), generator=gen)

    model = build_model("conv2", (1, 28, 28), 10, seed=0)
    theta = flatten_params(model)
    n_params = theta.numel()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def full_step() -> None:
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        optimizer.step()

    print(
        f"Conv-2: D = {n_params}, batch 128 of random inputs, cross-entropy, {torch.get_num_threads()} threads. "
        f"Each row alternates {repeats} full-space steps (Adam on theta) with {repeats} subspace steps (Adam on phi)"
    )
    print(
        f"{'projection':<22} {'d':>6} {'mode':<8} {'build s':>8} {'full ms':>8} {'subspace ms':>12} "
        f"{'subspace / full':>16}"
    )
    for d in (100, 1000, 4096, n_params // 4):
        for label, kind, options in CONV2_VARIANTS:
            sub_model = build_model("conv2", (1, 28, 28), 10, seed=0)
            start = time.perf_counter()
            projection = make_projection(kind, n_params, d, seed=0, **options)
            build = time.perf_counter() - start
            subspace = AffineSubspace(sub_model, theta, projection)
            phi = torch.zeros(d, requires_grad=True)
            phi_optimizer = torch.optim.Adam([phi], lr=1e-3)

            def subspace_step(subspace=subspace, phi=phi, phi_optimizer=phi_optimizer) -> None:
                phi_optimizer.zero_grad(set_to_none=True)
                F.cross_entropy(subspace.forward(x, phi), y).backward()
                phi_optimizer.step()

            slow = options.get("mode") == "chunked"  # seconds per step: keep the repeats few
            t_full, t_sub, ratio = paired_times(
                full_step, subspace_step, 1 if slow else warmup, max(1, repeats // 3) if slow else repeats
            )
            mode = projection.describe().get("mode", "-")
            print(
                f"{label:<22} {d:>6} {mode:<8} {build:>8.2f} {1e3 * t_full:>8.2f} {1e3 * t_sub:>12.2f} {ratio:>16.2f}",
                flush=True,
            )
            del subspace, projection, phi, phi_optimizer
            gc.collect()


def wht_table(warmup: int, repeats: int) -> None:
    n = 2**19
    x, v = torch.randn(n, requires_grad=True), torch.randn(n)

    def forward_backward() -> None:
        x.grad = None
        walsh_hadamard(x).backward(v)

    def forward() -> None:
        with torch.no_grad():
            walsh_hadamard(x)

    t_fb, t_f = median_time(forward_backward, warmup, repeats), median_time(forward, warmup, repeats)
    print(
        f"\nWalsh-Hadamard transform, n = 2^19 (factors {'x'.join(map(str, hadamard_factors(n)))}): "
        f"forward {1e3 * t_f:.2f} ms, forward + backward {1e3 * t_fb:.2f} ms (median of {repeats}; "
        f"{t_fb / 0.010:.2f} x the 10 ms target)"
    )


# --------------------------------------------------------------------------------------------------------------------
# memory, one child process per projection


def _status(field: str) -> int:
    """A /proc/self/status field in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def memory_child(kind: str, options: dict, threads: int) -> dict:
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(0)
    phi, v = torch.randn(MEMORY_DIM, generator=gen), torch.randn(RESNET20_D, generator=gen)
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset the peak RSS (VmHWM) to the current RSS
        peak_reset = True
    except OSError:
        peak_reset = False
    baseline = _status("VmRSS")
    start = time.perf_counter()
    projection = make_projection(kind, RESNET20_D, MEMORY_DIM, seed=0, **options)
    build = time.perf_counter() - start
    result = {"build_s": build, "peak_reset": peak_reset, "describe": projection.describe()}
    if kind == "dense":
        # The forward pass's own loop, stopped after a few chunks: every chunk allocates the same.
        rows = phi.reshape(1, -1)
        out = rows.new_zeros(1, RESNET20_D)
        n_blocks = 3 * projection.blocks_per_chunk
        start = time.perf_counter()
        for i, (first, block) in enumerate(projection.blocks()):
            out.addmm_(rows[:, first : first + block.shape[0]], block)
            if i + 1 == n_blocks:
                break
        per_block = (time.perf_counter() - start) / n_blocks
        result["apply_s"] = per_block * projection.n_blocks
        result["apply_note"] = f"forward extrapolated from {n_blocks} of {projection.n_blocks} blocks"
        result["state_bytes"] = 0
        result["chunk_bytes"] = 4 * RESNET20_D * projection.chunk_columns
    else:
        p = phi.clone().requires_grad_(True)
        start = time.perf_counter()
        (projection(p) @ v).backward()
        result["apply_s"] = time.perf_counter() - start
        result["apply_note"] = "forward + backward"
        result["state_bytes"] = projection.nbytes
    result["peak_extra_bytes"] = _status("VmHWM") - baseline
    return result


def memory_table(threads: int) -> None:
    print(
        f"\nPeak extra memory at D = {RESNET20_D} (ResNet20), d = {MEMORY_DIM}: peak RSS of a child process during "
        "build + apply minus its RSS before the build"
    )
    print(f"{'projection':<22} {'state MB':>9} {'peak extra MB':>14} {'build s':>8} {'apply s':>8}  note")
    dense_bytes = 4 * RESNET20_D * MEMORY_DIM
    print(
        f"{'dense, stored':<22} {dense_bytes / 2**20:>9.0f} {'-':>14} {'-':>8} {'-':>8}  "
        "not run: A itself is too large (float32)"
    )
    sparse_nnz = MEMORY_DIM * 8192
    print(
        f"{'sparse, 8192 nnz/col':<22} {16 * sparse_nnz / 2**20:>9.0f} {'-':>14} {'-':>8} {'-':>8}  "
        "not run: 16 bytes per non-zero (A and A^T as int32 CSR), plus sorting buffers to build"
    )
    for label, kind, options in MEMORY_VARIANTS:
        cmd = [sys.executable, __file__, "--memory-child", json.dumps([kind, options]), "--threads", str(threads)]
        completed = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            print(f"{label:<22} failed: {completed.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(completed.stdout.strip().splitlines()[-1])
        note = r["apply_note"]
        if kind == "dense":
            note += f"; chunk of {r['describe']['chunk_columns']} columns = {r['chunk_bytes'] / 2**20:.0f} MB"
        if not r["peak_reset"]:
            note += "; peak RSS could not be reset (includes start-up)"
        print(
            f"{label:<22} {r['state_bytes'] / 2**20:>9.1f} {r['peak_extra_bytes'] / 2**20:>14.1f} "
            f"{r['build_s']:>8.2f} {r['apply_s']:>8.2f}  {note}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--skip", nargs="*", default=[], choices=["conv2", "wht", "memory"])
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        kind, options = json.loads(args.memory_child)
        print(json.dumps(memory_child(kind, options, args.threads)))
        return
    torch.set_num_threads(args.threads)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads on {os.cpu_count()} CPUs, "
        f"load average {load}; dense block width {DENSE_BLOCK_COLUMNS}"
    )
    if "conv2" not in args.skip:
        conv2_table(args.warmup, args.repeats)
    if "wht" not in args.skip:
        wht_table(args.warmup, args.repeats)
    if "memory" not in args.skip:
        memory_table(args.threads)


if __name__ == "__main__":
    main()
