"""A full-model baseline that did not train is flagged, and no d_int90 is measured against it, through the real
snakemake command line (issue 17): the stages DAG's baseline is Adam at lr 1,000 (tests/workflow_stages.py)."""

import pandas as pd
import pytest
from workflow_stages import BASELINE, RESULTS, SEEDS

pytestmark = pytest.mark.workflow


def test_a_baseline_forced_to_fail_is_flagged_and_leaves_d_int90_null(stages_project):
    results = stages_project / RESULTS
    baseline = pd.read_parquet(results / "baseline.parquet")
    assert len(baseline) == len(SEEDS) and (baseline["lr"] == BASELINE["lr"]).all()
    assert (baseline["optimizer"] == "adam").all()
    assert baseline["status"].isin(["not_trained", "diverged"]).all(), baseline
    assert (baseline["status_reason"].str.len() > 0).all()
    thresholds = pd.read_parquet(results / "thresholds.parquet")
    assert thresholds["d_int90"].isna().all() and thresholds["baseline_test_acc"].isna().all()
    assert thresholds["d_int90_status"].isin(["baseline_not_trained", "baseline_diverged"]).all()
    assert thresholds["d_int90_reason"].str.startswith("no baseline seed trained").all()
    assert "WARNING: baseline digits/conv2 seed 0" in (results / "logs" / "baseline.log").read_text()
