"""A full-model baseline that did not train is flagged, and no d_int90 is measured against it, through the real
snakemake command line (issue 17)."""

import pandas as pd
from workflow_helpers import copy_project, snakemake, write_config


def test_a_baseline_forced_to_fail_is_flagged_and_leaves_d_int90_null(tmp_path):
    workdir = copy_project(tmp_path)

    def absurd_baseline(config: dict) -> None:
        config["burn_in"]["t0"] = [0]
        config["subspace"].update(dims=[8, 64], seeds=[0], seeds_per_job=1)
        config["baseline"] = {"enabled": True, "lr": 1000.0, "epochs": 1}

    path = write_config(workdir, "absurd_baseline.yaml", absurd_baseline)
    snakemake(workdir, "results/smoke/thresholds.parquet", "--configfile", path)
    results = workdir / "results" / "smoke"
    baseline = pd.read_parquet(results / "baseline.parquet")
    assert len(baseline) == 1 and (baseline["lr"] == 1000.0).all() and (baseline["optimizer"] == "adam").all()
    assert baseline["status"].isin(["not_trained", "diverged"]).all(), baseline
    assert (baseline["status_reason"].str.len() > 0).all()
    thresholds = pd.read_parquet(results / "thresholds.parquet")
    assert thresholds["d_int90"].isna().all() and thresholds["baseline_test_acc"].isna().all()
    assert thresholds["d_int90_status"].isin(["baseline_not_trained", "baseline_diverged"]).all()
    assert thresholds["d_int90_reason"].str.startswith("no baseline seed trained").all()
    assert "WARNING: baseline mnist5k/conv2 seed 0" in (results / "logs" / "baseline.log").read_text()
