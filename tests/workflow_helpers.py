"""Helpers for tests that run the real `snakemake` command line in a temporary copy of the project."""

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


def copy_project(dest: Path) -> Path:
    """Copy what a user's checkout holds for running the workflow into `dest`."""
    for name in ("Snakefile", "workflow", "config", "profiles", "envs", "examples"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name)
        else:
            shutil.copy(source, dest / name)
    return dest


def snakemake(workdir: Path, *args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the snakemake command line in `workdir`; fail with its output unless `check` is off."""
    command = [SNAKEMAKE, "--cores", "2", *args]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    return result


def write_config(workdir: Path, name: str, change) -> str:
    """A copy of the smoke config changed in place by `change`, saved under config/; returns its path."""
    config = yaml.safe_load((workdir / "config" / "smoke.yaml").read_text())
    change(config)
    path = workdir / "config" / name
    path.write_text(yaml.safe_dump(config))
    return str(path.relative_to(workdir))


def job_counts(dry_run_output: str) -> dict[str, int]:
    """The 'Job stats' table of a dry run as {rule: count}."""
    counts, in_table = {}, False
    for line in dry_run_output.splitlines():
        parts = line.split()
        if parts[:2] == ["job", "count"]:
            in_table = True
        elif in_table and parts and parts[0] == "total":
            break
        elif in_table and len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    return counts


TIMING_COLUMNS = ["wall_time_s"]
PROVENANCE_COLUMNS = ["git_commit", "git_dirty"]
"""Columns that say where a run was made (the checkout can change between two runs of one test), not what it gave."""


def assert_same_tables(results_a: Path, results_b: Path) -> None:
    """runs, success and thresholds Parquet tables are equal, apart from wall-clock times and the checkout's state."""
    ignored = TIMING_COLUMNS + PROVENANCE_COLUMNS
    for name in ("runs", "success", "thresholds"):
        a = pd.read_parquet(results_a / f"{name}.parquet").drop(columns=ignored, errors="ignore")
        b = pd.read_parquet(results_b / f"{name}.parquet").drop(columns=ignored, errors="ignore")
        pd.testing.assert_frame_equal(a, b)
