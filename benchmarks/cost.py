"""The cost of a config's grid on this machine (`make cost`): a few timed steps of every (dataset, model) cell at the
config's sizes, projected onto the whole grid (dof.stages.cost); prints core-hours (CPU) or GPU-hours (CUDA) per cell
and in total, one run at a time and at the best `vmap_runs` timed. --compare-dense-memory-mb M projects the same
measurements with A stored up to M MiB instead; --check RESULTS compares the projected seconds of every burn_in and
train_subspaces job with the benchmark files of a finished run of the same config.

Usage: .venv/bin/python benchmarks/cost.py [--configfile config/paper.yaml] [--device cpu] [--vmap-runs 10]
       [--threads 1] [--budget-s 1] [--compare-dense-memory-mb 512] [--check results/default] [--out FILE.csv]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import pandas as pd
import torch

from dof.engine.device import limit_threads, resolve_device
from dof.stages.cost import benchmark_seconds, job_seconds, load_experiment, load_note, measure, project, sampled_load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configfile", nargs="*", default=[], help="merged over config/config.yaml, in order")
    parser.add_argument("--device", default=None, help="cpu, cuda or auto (default: the config's)")
    parser.add_argument("--vmap-runs", type=int, nargs="*", default=None, help="group sizes tried (default: a job's)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (a job's: 1)")
    parser.add_argument("--budget-s", type=float, default=1.0, help="seconds of timed steps per measurement")
    parser.add_argument("--compare-dense-memory-mb", type=int, default=None)
    parser.add_argument("--check", default=None, help="a finished results folder of the same config")
    parser.add_argument("--out", default=None, help="CSV of the table (default results/cost/<experiment>_<device>.csv)")
    args = parser.parse_args()
    limit_threads(args.threads)
    experiment = load_experiment(["config/config.yaml", *args.configfile])
    device = resolve_device(args.device or experiment.device)
    vmap_runs = args.vmap_runs if args.vmap_runs is not None else [experiment.subspace.seeds_per_job]
    vmap_runs = [k for k in vmap_runs if k <= len(experiment.subspace.seeds)]
    name = torch.cuda.get_device_name() if device.startswith("cuda") else f"CPU, {torch.get_num_threads()} thread(s)"
    print(f"{experiment.experiment} on {device} ({name}); vmap_runs tried {sorted({1, *vmap_runs})}")
    start = time.perf_counter()
    with sampled_load() as load:
        cells, sizes, overhead, real = measure(experiment, device, vmap_runs, budget_s=args.budget_s)
    load_line, loaded = load_note(load, os.cpu_count() or 1)
    table = project(experiment, cells, sizes, overhead)
    unit = "GPU-h" if device.startswith("cuda") else "core-h"
    hours = table.assign(**{c: table[c] / 3600 for c in table.columns if c.endswith("_s")})
    hours["data"] = hours["dataset"].map(lambda d: "real" if real[d] else "stand-in")
    print(f"projected {unit} (subspace: its runs one at a time; *_best: at best_vmap_runs):")
    print(hours.round(2).to_string(index=False))
    print(
        f"total: {hours['total_s'].sum():,.1f} {unit} one at a time, {hours['total_best_s'].sum():,.1f} at the best "
        f"vmap_runs; {table['runs'].sum():,} subspace runs, {table['jobs'].sum():,} jobs (refinement rounds, "
        f"lottery and jamming not included); measured in {time.perf_counter() - start:.0f} s"
    )
    print(load_line)
    if args.compare_dense_memory_mb:
        other = project(experiment, cells, sizes, overhead, args.compare_dense_memory_mb)["total_s"].sum() / 3600
        now = experiment.subspace.dense_memory_mb
        ratio = other / hours["total_s"].sum()
        print(f"with dense_memory_mb {args.compare_dense_memory_mb}: {other:,.1f} {unit}, {ratio:.2f}x the {now} MiB's")
    if args.check:
        measured = benchmark_seconds(args.check)
        jobs = [job_seconds(experiment, cells[key], sizes[key[0]], overhead["startup"] + overhead[key[0]]).assign(
            dataset=key[0], model=key[1]) for key in cells]  # fmt: skip
        both = measured.merge(pd.concat(jobs, ignore_index=True), on=["rule", "dataset", "model", "t0", "d"])
        sums = both.groupby("rule")[["wall_s", "cpu_s", "seconds"]].sum()
        sums.loc["all"] = sums.sum()
        measured_s = "wall_s" if device.startswith("cuda") else "cpu_s"
        sums["predicted / measured"] = sums["seconds"] / sums[measured_s]
        print(f"check against {args.check} ({len(both)} jobs' benchmark files; measured: {measured_s}):")
        print(sums.rename(columns={"seconds": "predicted_s"}).round(2).to_string())
    out = Path(args.out or f"results/cost/{experiment.experiment}_{device.split(':')[0]}.csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    hours.assign(device=name, load_peak=max(load), cores=os.cpu_count(), loaded=loaded).to_csv(out, index=False)
    print(f"written: {out}")


if __name__ == "__main__":
    main()
