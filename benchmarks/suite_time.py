"""How long a new user waits for the suite: a fresh clone of this checkout (with ../shared beside it, as CI has it),
then `make install`, `make test` and `make lint` (what .ci/run does), each timed as a whole process, and the CPU
that other processes used meanwhile (the machine's busy time from /proc/stat less the steps' own): a loaded machine
inflates every figure, and the script says by how much the cores were shared (the SLURM tests' daemons and jobs
are not children of make: they count as other processes).

Usage: .venv/bin/python benchmarks/suite_time.py [--keep] [--steps install test lint] [--reuse-venv]
  --reuse-venv  link this checkout's .venv into the clone (times the suite alone, not the package downloads)
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def busy_seconds() -> float:
    """CPU seconds every process on the machine has spent busy since boot (/proc/stat, all cores)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def timed(command: list[str], cwd: Path, log: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the command and its children, exit status) of one command, output to `log`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(log, "w") as out:
        status = subprocess.run(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env).returncode
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", nargs="*", default=["install", "test", "lint"], help="make targets, in order")
    parser.add_argument("--reuse-venv", action="store_true", help="link this checkout's .venv into the clone")
    parser.add_argument("--keep", action="store_true", help="keep the clone (its logs are in <clone>/suite_logs)")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="dof-suite-"))
    clone = base / "main"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    shared = ROOT.parent / "shared"
    if shared.is_dir():
        (base / "shared").symlink_to(shared)
    env = dict(os.environ)
    if args.reuse_venv:  # its editable install points at this checkout: the clone's package first
        (clone / ".venv").symlink_to(ROOT / ".venv")
        env["PYTHONPATH"] = str(clone / "src")
    logs = clone / "suite_logs"
    logs.mkdir()
    print(f"fresh clone of {ROOT} at {clone} ({os.cpu_count()} cores)")
    rows = []
    for step in args.steps:
        busy = busy_seconds()
        keep = ["-o", ".venv/.installed"] if args.reuse_venv else []  # a linked venv is never reinstalled
        wall, cpu, status = timed(["make", *keep, step], clone, logs / f"{step}.log", env)
        others = max(busy_seconds() - busy - cpu, 0.0) / wall  # cores other processes kept busy, on average
        rows.append((step, wall, cpu, status))
        print(
            f"make {step:8s} {wall / 60:6.1f} min wall  {cpu / 60:6.1f} min CPU  exit {status}  "
            f"(other processes: {others:.2f} of {os.cpu_count()} cores busy)",
            flush=True,
        )
    print(f"all      {sum(r[1] for r in rows) / 60:6.1f} min wall  {sum(r[2] for r in rows) / 60:6.1f} min CPU")
    if args.keep:
        print(f"kept: {clone}")
    else:
        shutil.rmtree(base, ignore_errors=True)
    raise SystemExit(max(r[3] for r in rows))


if __name__ == "__main__":
    main()
