"""The GPU path in one go (about 8 minutes on a machine with CUDA): the smoke DAG on the CPU and on --device, their
tables compared (dof.analysis.device_check), then benchmarks/cost.py for --cost-config on --device with runs one at a
time and in seed batches (--vmap-runs); everything printed and written to --out.

On a GPU: .venv/bin/python benchmarks/gpu_check.py                      (device cuda, writes results/gpu_check.txt)
Tested on a CPU: .venv/bin/python benchmarks/gpu_check.py --device cpu --tiny   (a one-d, one-seed grid)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

from dof.analysis.device_check import compare_results

TINY_SMOKE = {"burn_in": {"t0": [0]}, "subspace": {"dims": [8], "seeds": [0], "seeds_per_job": 1}}
TINY_COST = {"experiment": "cost_tiny", "datasets": ["mnist5k"], "models": ["conv2"], "burn_in": {"t0": [0]},
             "subspace": {"dims": [8, 64], "seeds": [0, 1], "seeds_per_job": 2, "epochs": 1}}  # fmt: skip
"""--tiny: the smaller grids a CPU runs in a few minutes."""


def run(command: list[str], log) -> str:
    """Run a command and log it with its output; stop on failure."""
    print("$", " ".join(command), file=log, flush=True)
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    log.write(done.stdout[-8000:] + (done.stderr[-3000:] if done.returncode else ""))
    log.flush()
    if done.returncode:
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-3000:]}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--cost-config", default="config/paper.yaml")
    parser.add_argument("--vmap-runs", type=int, nargs="*", default=[2, 5, 10])
    parser.add_argument("--cores", default="all")
    parser.add_argument("--tiny", action="store_true", help="tiny grids (to test this script on a CPU)")
    parser.add_argument("--out", default="results/gpu_check.txt")
    args = parser.parse_args()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    bin_dir = Path(sys.executable).parent
    suffix = "_tiny" if args.tiny else ""
    with out.open("w") as log:
        log.write(f"gpu_check: device {args.device}, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}\n")
        run([str(bin_dir / "python"), "-c", "import torch; print('torch', torch.__version__, 'cuda',"
                       " torch.cuda.is_available() and torch.cuda.get_device_name())"], log)  # fmt: skip
        folders = []
        for role, device in (("reference", "cpu"), ("device", args.device)):
            experiment = f"gpu_check_{role}_{device.replace(':', '')}{suffix}"
            override = {"experiment": experiment, "device": device, **(TINY_SMOKE if args.tiny else {})}
            path = out.parent / f"gpu_check_{experiment}.yaml"
            path.write_text(yaml.safe_dump(override))
            start = time.perf_counter()
            target = f"results/{experiment}/thresholds.parquet"
            run([str(bin_dir / "snakemake"), target, "--cores", args.cores, "--configfile", "config/smoke.yaml",
                 str(path)], log)  # fmt: skip
            log.write(f"smoke DAG on {device} ({experiment}): {time.perf_counter() - start:.0f} s\n")
            folders.append(f"results/{experiment}")
        differences = compare_results(*folders)
        log.write(f"{folders[0]} against {folders[1]}:\n{differences.to_string(index=False)}\n")
        cost_config = args.cost_config
        if args.tiny:
            cost_config = str(out.parent / "gpu_check_cost_tiny.yaml")
            Path(cost_config).write_text(yaml.safe_dump(TINY_COST))
        command = [str(bin_dir / "python"), "benchmarks/cost.py", "--configfile", cost_config, "--device", args.device]
        start = time.perf_counter()
        run([*command, "--vmap-runs", *map(str, args.vmap_runs), "--out", str(out.with_suffix(".csv"))], log)
        log.write(f"cost: {time.perf_counter() - start:.0f} s\n")
    print(out.read_text())


if __name__ == "__main__":
    main()
