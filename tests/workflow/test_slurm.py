"""The smoke DAG through the SLURM profile on a real single-node SLURM started by the test."""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from workflow_helpers import SNAKEMAKE, assert_same_tables, copy_project, write_config

from dof.analysis import refinement
from dof.config import ThresholdsConfig

pytestmark = [pytest.mark.workflow, pytest.mark.slurm]

HERE = Path(__file__).resolve().parent
# Local overrides for a cluster without accounting (no sacct): status through squeue, no account,
# a short first status check, and logs kept so the test can read the job ids.
SLURM_ARGS = [
    "--workflow-profile",
    "profiles/slurm",
    "--slurm-status-command",
    "squeue",
    "--slurm-no-account",
    "--slurm-init-seconds-before-status-checks",
    "2",
    "--seconds-between-status-checks",
    "2",
    "--slurm-keep-successful-logs",
    "--slurm-logdir",
    "slurm_logs",
    "--configfile",
    "config/smoke.yaml",
]


@pytest.fixture(scope="module")
def slurm_env(tmp_path_factory):
    """Start munged, slurmctld and slurmd (installing them if needed); stop them by pid afterwards."""
    if os.geteuid() != 0:
        pytest.skip("starting munge and SLURM daemons needs root")
    state = tmp_path_factory.mktemp("slurm-state")
    started = subprocess.run(["bash", HERE / "slurm" / "up.sh", state], capture_output=True, text=True, timeout=900)
    try:
        assert started.returncode == 0, started.stderr[-3000:]
        yield {**os.environ, "SLURM_CONF": started.stdout.strip().splitlines()[-1]}
    finally:
        subprocess.run(["bash", HERE / "slurm" / "down.sh", state], timeout=120)


def all_jobs(env) -> list[tuple[str, str, str]]:
    """(job id, state, comment) of every job SLURM remembers (MinJobAge keeps finished ones)."""
    out = subprocess.run(["squeue", "-h", "-t", "all", "-o", "%i|%T|%k"], capture_output=True, text=True, env=env)
    return [tuple(line.split("|", 2)) for line in out.stdout.splitlines() if line.strip()]


def slurm_log_job_ids(workdir: Path) -> set[str]:
    return {path.stem for path in (workdir / "slurm_logs").rglob("*.log")}


def test_smoke_subspace_dag_through_sbatch_survives_scancel_and_equals_local_run(slurm_env, smoke_project, tmp_path):
    workdir = copy_project(tmp_path)
    before = {job_id for job_id, _, _ in all_jobs(slurm_env)}
    process = subprocess.Popen(
        [SNAKEMAKE, "results/smoke/thresholds.parquet", "--cores", "2", *SLURM_ARGS],
        cwd=workdir,
        env=slurm_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    cancelled = None
    deadline = time.monotonic() + 600
    while cancelled is None and process.poll() is None and time.monotonic() < deadline:
        for job_id, state, comment in all_jobs(slurm_env):
            if job_id not in before and state == "RUNNING" and "train_subspaces" in comment:
                subprocess.run(["scancel", job_id], env=slurm_env, check=True)
                cancelled = job_id
                break
        time.sleep(0.5)
    output, _ = process.communicate(timeout=900)
    assert cancelled is not None, "no train_subspaces job was seen running"
    assert process.returncode == 0, output[-4000:]

    submitted = {job_id: (state, comment) for job_id, state, comment in all_jobs(slurm_env) if job_id not in before}
    assert submitted[cancelled][0] == "CANCELLED"
    comments = [comment for _, comment in submitted.values()]
    # the 2 burn_in jobs (one per t0, both seeds each) went as one group job (profile: groups),
    # the 6 chunks as 7 jobs (one resubmitted)
    assert sum("burn_in" in comment for comment in comments) == 1
    assert sum("train_subspaces" in comment for comment in comments) == 6 + 1
    assert sum("aggregate_runs" in comment for comment in comments) == 1
    assert {state for job_id, (state, _) in submitted.items() if job_id != cancelled} == {"COMPLETED"}
    assert slurm_log_job_ids(workdir) == set(submitted)
    assert_same_tables(workdir / "results" / "smoke", smoke_project / "results" / "smoke")


def fewest_cells_curve(success_path: Path) -> tuple[str, float]:
    """The (metric, epsilon) curve of the smoke run whose one refinement round adds the fewest (but some) cells."""
    success, settings = pd.read_parquet(success_path), ThresholdsConfig()
    counts = {}
    for (metric, epsilon), _ in success.groupby(["metric", "epsilon"]):
        chosen = refinement.chosen_curves(success, [metric], [epsilon])
        cells = refinement.refined_cells(chosen, settings.refine.levels, settings.delta, settings.refine.resolution, 1)
        if len(cells):
            counts[(metric, float(epsilon))] = len(cells)
    assert counts, "no curve of the smoke run has a bracket to refine"
    return min(counts, key=counts.get)


def test_refinement_rounds_run_through_sbatch(slurm_env, smoke_project, tmp_path):
    """A refinement round is a checkpoint: through the SLURM profile its runs are submitted after it, like any job
    (one refined curve, the one of fewest new cells: the mechanism, not the grid, is under test)."""
    workdir = copy_project(tmp_path)
    for folder in ("burn_in", "runs"):
        shutil.copytree(smoke_project / "results" / "smoke" / folder, workdir / "results" / "smoke" / folder)
    metric, epsilon = fewest_cells_curve(smoke_project / "results" / "smoke" / "success.parquet")
    refine = {"rounds": 1, "metrics": [metric], "epsilons": [epsilon]}
    config = write_config(workdir, "refine.yaml", lambda c: c["thresholds"].update(refine=refine))
    args = [arg if arg != "config/smoke.yaml" else config for arg in SLURM_ARGS]
    before = {job_id for job_id, _, _ in all_jobs(slurm_env)}
    done = subprocess.run(
        [SNAKEMAKE, "results/smoke/runs.parquet", "--cores", "2", *args],
        cwd=workdir,
        env=slurm_env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    cells = pd.read_parquet(workdir / "results" / "smoke" / "refine" / "round_1.parquet")
    runs = pd.read_parquet(workdir / "results" / "smoke" / "runs.parquet")
    assert len(cells) > 0 and len(runs) == 2 * 3 * 2 + 2 * len(cells)
    comments = [comment for job_id, _, comment in all_jobs(slurm_env) if job_id not in before]
    assert sum("refine_grid" in comment for comment in comments) == 1
    assert sum("train_subspaces" in comment for comment in comments) == len(cells)
