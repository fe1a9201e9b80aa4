"""Adaptive refinement through the real snakemake command: checkpoint rounds add d only inside brackets, the new
runs are ordinary cached train_subspaces jobs that a denser grid reuses, and a rerun does nothing."""

import shutil

import pandas as pd
import pytest
from workflow_helpers import copy_project, job_counts, snakemake, write_config

from dof.analysis import refinement

pytestmark = pytest.mark.workflow


def test_refinement_rounds_add_midpoints_inside_brackets_and_are_reused(smoke_project, tmp_path):
    workdir = copy_project(tmp_path)
    for folder in ("burn_in", "runs"):  # the smoke grid's runs, finished: only the rounds' runs are new
        shutil.copytree(smoke_project / "results" / "smoke" / folder, workdir / "results" / "smoke" / folder)
    config = write_config(workdir, "refine.yaml", lambda c: c["thresholds"].update(refine={"rounds": 2}))
    snakemake(workdir, "results/smoke/thresholds.parquet", "--configfile", config)

    results = workdir / "results" / "smoke"
    rounds = pd.concat([pd.read_parquet(results / "refine" / f"round_{r}.parquet") for r in (1, 2)])
    assert len(rounds) > 0 and set(rounds["round"]) <= {1, 2}
    assert ((rounds["d_lo"] < rounds["d"]) & (rounds["d"] < rounds["d_hi"])).all()
    assert all(refinement.midpoint(lo, hi) == d for lo, hi, d in zip(rounds["d_lo"], rounds["d_hi"], rounds["d"]))
    runs = pd.read_parquet(results / "runs.parquet")
    refined = runs.merge(rounds[["t0", "d"]], on=["t0", "d"])
    assert len(refined) == 2 * len(rounds)  # every seed runs in every new cell
    assert len(runs) == 2 * 3 * 2 + len(refined)
    success = pd.read_parquet(results / "success.parquet")
    assert set(rounds["d"]) <= set(success["d"])

    again = snakemake(workdir, "-n", "results/smoke/thresholds.parquet", "--configfile", config)
    assert "Nothing to be done" in again.stdout + again.stderr

    # the dense grid over every refined d, no refinement: only the cells no round ran are new jobs
    dense_dims = sorted({8, 64, 512} | set(rounds["d"]))
    dense = write_config(workdir, "dense.yaml", lambda c: c["subspace"].update(dims=dense_dims))
    planned = snakemake(workdir, "-n", "results/smoke/runs.parquet", "--configfile", dense)
    missing = 2 * len(dense_dims) - 2 * 3 - len(rounds)  # (t0, d) cells of the dense grid without runs
    assert job_counts(planned.stdout).get("train_subspaces", 0) == missing

    # refining one chosen curve: round 1 keeps exactly the cells that curve asked for, and their runs exist already
    first = rounds[rounds["round"] == 1]
    metric, epsilon = first["reasons"].iloc[0].split(";")[0].split("/")[0].split("@")
    (tmp_path / "chosen").mkdir()
    chosen_dir = copy_project(tmp_path / "chosen")
    for folder in ("burn_in", "runs"):
        shutil.copytree(results / folder, chosen_dir / "results" / "smoke" / folder)
    chosen = {"rounds": 1, "metrics": [metric], "epsilons": [float(epsilon)]}
    config = write_config(chosen_dir, "chosen.yaml", lambda c: c["thresholds"].update(refine=chosen))
    done = snakemake(chosen_dir, "results/smoke/runs.parquet", "--configfile", config)
    assert "train_subspaces" not in job_counts(done.stdout + done.stderr)
    kept = pd.read_parquet(chosen_dir / "results" / "smoke" / "refine" / "round_1.parquet")
    asked = first[first["reasons"].str.contains(f"{metric}@{epsilon}/", regex=False)]
    assert sorted(zip(kept["t0"], kept["d"])) == sorted(zip(asked["t0"], asked["d"]))
    assert all(reason.startswith(f"{metric}@{epsilon}/") for cell in kept["reasons"] for reason in cell.split(";"))
