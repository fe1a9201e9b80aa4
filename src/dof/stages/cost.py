"""The cost of a config's grid, measured: a few timed steps of the real training code per (dataset, model) cell at
the config's sizes (stand-in data of the real shapes where the files are absent), projected onto every run, burn-in
and baseline of the grid."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import torch
import yaml

from dof.config import BurnInConfig, ExperimentConfig, SubspaceConfig, as_dict, data_option, from_mapping, inherit_seeds
from dof.engine.data import DATASET_SHAPES, Dataset, load_dataset, rows
from dof.engine.network import restore_network
from dof.engine.projections import make_projection
from dof.engine.training import burn_in, evaluate, steps_per_epoch, subspace_loop, subspace_steps, vmapped_loop
from dof.stages.burn_in import burn_in_checkpoint
from dof.stages.subspace_runs import start_subspace

TORCHVISION_SIZES = {
    "mnist": (60000, 10000),
    "fashion_mnist": (60000, 10000),
    "cifar10": (50000, 10000),
    "cifar100": (50000, 10000),
    "svhn": (73257, 26032),
}
"""(train, test) examples of the torchvision datasets."""

STAND_INS = {
    name: (DATASET_SHAPES[name][0], *sizes, DATASET_SHAPES[name][1]) for name, sizes in TORCHVISION_SIZES.items()
}
"""(input shape, train, test, classes) of the torchvision datasets, for stand-ins where their files are absent."""

EVAL_EXAMPLES = 1024
"""Examples of the timed evaluation pass (scaled to a split's size)."""

MEASURE_BYTES = 64 * 2**20
"""Largest A built for timing; the projection's cost is extrapolated linearly in d beyond it."""

CHUNKED_COLUMNS = 64
"""Columns of the regenerated (chunked) dense A timed; its cost is proportional to d (blocks of 32 columns)."""


def merged(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """`over` merged into `base` key by key, nested blocks recursively (as Snakemake merges --configfile)."""
    out = dict(base)
    for name, value in over.items():
        both = isinstance(value, Mapping) and isinstance(out.get(name), Mapping)
        out[name] = merged(out[name], value) if both else value
    return out


def load_experiment(paths: Sequence[str | Path]) -> ExperimentConfig:
    """The experiment of config files merged in order (the embedded config/config.yaml first, as the Snakefile)."""
    mapping: dict[str, Any] = {}
    for path in paths:
        mapping = merged(mapping, yaml.safe_load(Path(path).read_text()) or {})
    return inherit_seeds(from_mapping(ExperimentConfig, mapping))


def stand_in(name: str, options: Mapping[str, Any], seed: int = 0) -> tuple[Dataset, bool]:
    """The dataset `name` (real, when its files or package are here) or, for an absent torchvision set, random
    inputs and labels of its real shape and size; (dataset, whether it is real)."""
    if name not in STAND_INS:
        return load_dataset(name, **options), True
    try:
        return load_dataset(name, **{**options, "download": False}), True
    except (FileNotFoundError, RuntimeError, OSError):
        shape, n_train, n_test, n_classes = STAND_INS[name]
        gen = torch.Generator().manual_seed(seed)
        x_train, x_test = (torch.randn(n, *shape, generator=gen) for n in (n_train, n_test))
        y_train, y_test = (torch.randint(0, n_classes, (n,), generator=gen) for n in (n_train, n_test))
        return Dataset(name, x_train, y_train, x_test, y_test, n_classes), False


def head(data: Dataset, n: int) -> Dataset:
    """The first n train and test examples (checkpoints are built on these: t0 = 0 takes no step)."""
    parts = {k: rows(getattr(data, k), slice(0, n)) for k in ("x_train", "y_train", "x_test", "y_test")}
    return Dataset(data.name, **parts, n_classes=data.n_classes)


def clock(device: str) -> Callable[[], float]:
    """The clock of a cost: wall time on CUDA (GPU-hours), this process's CPU time on a CPU (core-hours: what other
    processes on a shared machine take does not count)."""
    return time.perf_counter if device.startswith("cuda") else time.process_time


def timed(fn: Callable[[], Any], device: str) -> float:
    """Seconds of one call of fn on the device's clock (CUDA synchronised before and after)."""
    now = clock(device)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    start = now()
    fn()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return now() - start


def per_step(run: Callable[[int], Any], device: str, budget_s: float, max_steps: int, repeats: int = 3) -> float:
    """Seconds per step of run(n_steps): one warm-up step, then the median of `repeats` runs of as many steps as fit
    budget_s (1 .. max_steps)."""
    first = timed(lambda: run(1), device)
    n = min(max_steps, max(1, int(budget_s / max(first, 1e-6))))
    return statistics.median(timed(lambda: run(n), device) / n for _ in range(repeats))


def projection_cost(
    kind: str, n_params: int, dim: int, seed: int, device: str, passes: int = 3, **options: Any
) -> tuple[float, float]:
    """(build seconds, forward + backward seconds) of one projection through its real class (make_projection); the
    pass is the fastest of `passes` after the first (the only one when passes is 1)."""
    holder: dict[str, Any] = {}
    build = timed(lambda: holder.setdefault("p", make_projection(kind, n_params, dim, seed, device, **options)), device)
    projection = holder["p"]
    phi = torch.zeros(dim, device=device, requires_grad=True)
    times = [timed(lambda: projection(phi).sum().backward(), device) for _ in range(passes)]
    return build, min(times[1:] or times)


def measure_cell(
    data: Dataset,
    model: Any,
    config: SubspaceConfig,
    dims: Sequence[int],
    vmap_runs: Sequence[int],
    device: str,
    budget_s: float = 1.0,
    max_steps: int = 20,
) -> dict[str, Any]:
    """Timings of one (dataset, model) cell through the stages' own code: a subspace step at the smallest d (one by
    one and vmapped), the projection's build and forward + backward per d, an evaluation pass, a full-space step."""
    small = head(data, max(config.batch_size, 2))
    k_max = max([1, *vmap_runs])
    checkpoints = [burn_in_checkpoint(small, model, seed, 0, BurnInConfig()) for seed in range(k_max)]
    n_params = int(checkpoints[0]["n_params"])
    d_lo = min(dims)
    kind = config.said_base if config.projection == "said" else config.projection
    started = [
        start_subspace(
            data, c, d_lo, config.projection, device, config.nested, config.said_base, config.dense_memory_mb
        )
        for c in checkpoints
    ]
    modules = [module for module, _ in started]
    out: dict[str, Any] = {"n_params": n_params, "d_lo": d_lo, "kind": kind, "step_s": {}}
    out["step_s"][1] = per_step(lambda n: subspace_loop(modules[0], data, 0, config, n), device, budget_s, max_steps)
    vmappable = next(modules[0].network.buffers(), None) is None
    for k in sorted({k for k in vmap_runs if k > 1}):
        if vmappable:
            group, seeds = modules[:k], list(range(k))
            run = lambda n, g=group, s=seeds: vmapped_loop(g, data, s, config, n)  # noqa: E731
            out["step_s"][k] = per_step(run, device, budget_s, max_steps) / k
    n_eval = min(EVAL_EXAMPLES, len(data.y_train))
    logits = modules[0].logits_at()
    x_eval, y_eval = rows(data.x_train, slice(0, n_eval)), data.y_train[:n_eval]
    out["eval_example_s"] = timed(lambda: evaluate(logits, x_eval, y_eval), device) / n_eval
    # the projection alone (build, forward + backward) at two d per mode, d_hi capped at MEASURE_BYTES of A
    d_hi = min(max(dims), max(d_lo, MEASURE_BYTES // (4 * n_params)))
    if kind == "dense":
        stored = {"memory_budget": 2**62, "mode": "stored"}
        regenerated = projection_cost(kind, n_params, CHUNKED_COLUMNS, 0, device, 1, mode="chunked")
        out["projection"] = {
            "stored": {d: projection_cost(kind, n_params, d, 0, device, **stored) for d in sorted({d_lo, d_hi})},
            "chunked": {CHUNKED_COLUMNS: regenerated},
        }
        out["projection_at_lo"] = out["projection"]["stored"][d_lo]
    else:
        out["projection"] = {"any": {d: projection_cost(kind, n_params, d, 0, device) for d in sorted({d_lo, d_hi})}}
        out["projection_at_lo"] = out["projection"]["any"][d_lo]
    network = restore_network(checkpoints[0], data, device)
    full = lambda n: burn_in(network, data, n, 0, BurnInConfig())  # noqa: E731
    out["full_step_s"] = per_step(full, device, budget_s, max_steps)
    network.eval()
    out["full_eval_example_s"] = timed(lambda: evaluate(network, x_eval, y_eval), device) / n_eval
    return out


def linear(points: Mapping[int, float], d: int) -> float:
    """The value at d of the line through the (d, value) points given (one point: proportional to d)."""
    (d0, v0), *rest = sorted(points.items())
    if not rest:
        return v0 * d / d0
    d1, v1 = rest[-1]
    return v0 + (v1 - v0) * (d - d0) / (d1 - d0)


def run_seconds(cell: Mapping[str, Any], d: int, k: int, n_steps: int, n_eval: int, budget: int) -> float:
    """Projected seconds of one subspace run at d in vmap groups of k: A's build, its steps, the final evaluation."""
    modes = cell["projection"]
    mode = "any" if "any" in modes else ("stored" if 4 * cell["n_params"] * d <= budget else "chunked")
    build = linear({d0: b for d0, (b, _) in modes[mode].items()}, d)
    pass_s = linear({d0: p for d0, (_, p) in modes[mode].items()}, d)
    step = cell["step_s"][k] + max(0.0, pass_s - cell["projection_at_lo"][1])
    return build + n_steps * step + n_eval * cell["eval_example_s"]


def startup_seconds(device: str = "cpu") -> float:
    """Seconds a job's Python takes to start and import torch and the stages, in a fresh process: wall time on
    CUDA, the child's CPU time on a CPU."""
    code = "import dof.stages.subspace_runs"
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    if device.startswith("cuda"):
        return time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime


def job_seconds(
    experiment: ExperimentConfig,
    cell: Mapping[str, Any],
    size: tuple[int, int],
    overhead_s: float,
    k: int = 1,
    dense_memory_mb: int | None = None,
) -> pd.DataFrame:
    """Projected seconds of every training job of one (dataset, model) cell: `burn_in` per (t0, chunk) and
    `train_subspaces` per (t0, d, chunk) with runs in vmap groups of k; columns rule, t0, d, seeds (runs), seconds."""
    sub = experiment.subspace
    budget = (dense_memory_mb or sub.dense_memory_mb) * 2**20
    n_train, n_test = size
    n_steps = subspace_steps(n_train, sub)
    sizes = [len(sub.seeds[i : i + sub.seeds_per_job]) for i in range(0, len(sub.seeds), sub.seeds_per_job)]
    eval_pass = (n_train + n_test) * cell["full_eval_example_s"]
    rows = []
    for t0 in experiment.burn_in.t0:
        for n in sizes:
            rows.append({"rule": "burn_in", "t0": t0, "d": 0, "seeds": n,
                         "seconds": overhead_s + n * (t0 * cell["full_step_s"] + eval_pass)})  # fmt: skip
            for d in sub.dims:
                run = run_seconds(cell, d, k, n_steps, n_train + n_test, budget)
                rows.append({"rule": "train_subspaces", "t0": t0, "d": d, "seeds": n, "seconds": overhead_s + n * run})
    return pd.DataFrame(rows)


def project(
    experiment: ExperimentConfig,
    cells: Mapping[tuple[str, str], Mapping[str, Any]],
    sizes: Mapping[str, tuple[int, int]],
    overhead_s: Mapping[str, float],
    dense_memory_mb: int | None = None,
) -> pd.DataFrame:
    """Projected seconds per (dataset, model): subspace runs one by one and at the best vmap group timed, burn-ins,
    baselines (when the config trains them: `baseline` or `lottery` enabled) and every job's start-up and data
    loading; times the config's starts. One row per cell, with its longest train_subspaces job (one at a time) and
    the size of its largest A (MiB), what a cluster job must be granted."""
    sub, baseline = experiment.subspace, experiment.baseline
    needs_baseline = baseline.enabled or experiment.lottery.enabled
    rows = []
    for (dataset, model), cell in cells.items():
        n_train, n_test = sizes[dataset]
        n_starts, n_seeds = len(experiment.starts_of(model)), len(sub.seeds)
        overhead = overhead_s["startup"] + overhead_s[dataset]
        jobs = {k: job_seconds(experiment, cell, sizes[dataset], overhead, k, dense_memory_mb) for k in cell["step_s"]}
        subspace = {k: n_starts * j.query("rule == 'train_subspaces'")["seconds"].sum() for k, j in jobs.items()}
        best = min(subspace, key=subspace.get)
        burn = jobs[1].query("rule == 'burn_in'")
        eval_pass = (n_train + n_test) * cell["full_eval_example_s"]
        base_steps = baseline.epochs * steps_per_epoch(n_train, baseline.batch_size)
        base_s = n_seeds * (overhead + base_steps * cell["full_step_s"] + eval_pass) if needs_baseline else 0.0
        rows.append(
            {
                "dataset": dataset,
                "model": model,
                "D": cell["n_params"],
                "runs": n_starts * int(jobs[1].query("rule == 'train_subspaces'")["seeds"].sum()),
                "steps_per_run": subspace_steps(n_train, sub),
                "step_ms_d_lo": 1e3 * cell["step_s"][1],
                "subspace_s": subspace[1],
                "best_vmap_runs": best,
                "subspace_best_s": subspace[best],
                "burn_in_s": n_starts * burn["seconds"].sum(),
                "baseline_s": base_s,
                "jobs": n_starts * len(jobs[1]) + (n_seeds if needs_baseline else 0),
                "longest_job_s": jobs[1].query("rule == 'train_subspaces'")["seconds"].max(),
                "a_max_mib": 4 * cell["n_params"] * max(sub.dims) / 2**20,
            }
        )
    table = pd.DataFrame(rows)
    table["total_s"] = table["subspace_s"] + table["burn_in_s"] + table["baseline_s"]
    table["total_best_s"] = table["subspace_best_s"] + table["burn_in_s"] + table["baseline_s"]
    return table


def measure(
    experiment: ExperimentConfig,
    device: str,
    vmap_runs: Sequence[int] = (),
    budget_s: float = 1.0,
    max_steps: int = 20,
    log: Callable[[str], None] = print,
) -> tuple[dict, dict[str, tuple[int, int]], dict[str, float], dict[str, bool]]:
    """Time every (dataset, model) cell of `experiment` on `device`: (cells, split sizes, start-up and data-loading
    seconds, whether each dataset is real). Datasets of one input shape and class count share a cell's timings (a
    step costs the same); only the `init` start's network is timed (other starts share its architecture)."""
    sub = experiment.subspace
    candidates = sorted({1, *(k for k in vmap_runs if 1 < k <= len(sub.seeds)), sub.vmap_runs})
    overhead = {"startup": startup_seconds(device)}
    cells, sizes, real, timed_cells = {}, {}, {}, {}
    for dataset in experiment.dataset_names:
        start = clock(device)()
        data, real[dataset] = stand_in(dataset, data_option(experiment, dataset))
        overhead[dataset] = clock(device)() - start
        sizes[dataset] = (len(data.y_train), len(data.y_test))
        data = data.to(device)
        for model in experiment.models:
            name = model if isinstance(model, str) else model.name
            spec = model if isinstance(model, str) else as_dict(model)
            shape = (data.input_shape, data.n_classes, name)  # one timing per input shape, classes and model
            if shape not in timed_cells:
                start = time.perf_counter()
                timed_cells[shape] = measure_cell(data, spec, sub, sub.dims, candidates, device, budget_s, max_steps)
                log(f"{dataset} / {name}: measured in {time.perf_counter() - start:.0f} s")
            cells[dataset, name] = timed_cells[shape]
        del data
    return cells, sizes, overhead, real


def benchmark_seconds(results: str | Path) -> pd.DataFrame:
    """The wall (`s`) and CPU seconds (`cpu_time`) of every burn_in and train_subspaces benchmark file of a results
    folder, with the rule, dataset, model, t0 and d read from the path (d 0 for burn-in)."""
    rows = []
    for rule in ("burn_in", "train_subspaces"):
        for path in sorted((Path(results) / "benchmarks" / rule).rglob("*.tsv")):
            parts = path.relative_to(Path(results) / "benchmarks" / rule).parts
            folders = {p.split("_", 1)[0]: p.split("_", 1)[1] for p in parts if p.startswith(("t0_", "d_"))}
            last = pd.read_csv(path, sep="\t").iloc[-1]
            rows.append({"rule": rule, "dataset": parts[0], "model": parts[1], "t0": int(folders["t0"]),
                         "d": int(folders.get("d", 0)), "wall_s": float(last["s"]),
                         "cpu_s": float(last.get("cpu_time", float("nan")))})  # fmt: skip
    return pd.DataFrame(rows)


LOADED_FRACTION = 0.25
"""The load of other processes, as a fraction of the cores, above which a measurement is called inflated."""


@contextmanager
def sampled_load(interval_s: float = 2.0) -> Iterator[list[float]]:
    """The machine's 1-minute load average (os.getloadavg), sampled every `interval_s` while the block runs."""
    samples, stop = [os.getloadavg()[0]], threading.Event()

    def sample() -> None:
        while not stop.wait(interval_s):
            samples.append(os.getloadavg()[0])

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        stop.set()
        thread.join()
        samples.append(os.getloadavg()[0])


def load_note(samples: Sequence[float], cores: int, own: float = 1.0) -> tuple[str, bool]:
    """A line on the machine's load while measuring and whether it inflates the figure: the load of other processes
    (the peak load average less this one's `own`) above LOADED_FRACTION of the cores. CPU time is not load-independent
    on shared cores (SMT siblings, caches and memory bandwidth are shared), so a loaded measurement overstates it."""
    peak = max(samples)
    other = max(peak - own, 0.0)
    loaded = other > LOADED_FRACTION * cores
    line = f"load average while measuring: {min(samples):.2f} .. {peak:.2f} on {cores} cores ({other:.2f} from others)"
    if loaded:
        line += (
            f"\nWARNING: the machine was loaded ({other:.2f} other processes on {cores} cores): the CPU time "
            "measured is inflated (shared cores, caches and memory bandwidth); rerun on an idle machine to plan by it"
        )
    return line, loaded
