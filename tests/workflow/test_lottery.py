"""The lottery stage (lottery.smk) through the real `snakemake` command line: each method of figure 7, on the stages
DAG's tiny lottery block (tests/workflow_stages.py)."""

import pandas as pd
import pytest
from workflow_helpers import snakemake
from workflow_stages import RESULTS, STAGES

pytestmark = pytest.mark.workflow


def test_lottery_stage_runs_through_snakemake(stages_project):
    results = stages_project / RESULTS
    methods = pd.read_parquet(results / "methods.parquet")
    assert set(methods["method"]) == {"random", "burn_in", "lottery_subspace", "lottery_ticket", "supermask"}
    n_params = int(pd.read_parquet(results / "runs.parquet")["n_params"].iloc[0])
    assert n_params == 6_090  # Conv-2 on the 8x8 digits
    masks = methods[methods["method"] == "supermask"].sort_values(["seed", "d"])
    assert masks["d"].tolist() == [round(0.1 * n_params), n_params] * 2 and masks["status"].eq("ok").all()
    lottery = methods[methods["method"] == "lottery_subspace"]
    assert sorted(lottery["d"].unique()) == [1, 4] and sorted(lottery["seed"].unique()) == [0, 1]
    tickets = methods[methods["method"] == "lottery_ticket"]
    assert tickets["d"].min() < 0.11 * n_params  # kept 10 % of the weights: d = the number of kept weights
    assert "d_int90" in pd.read_parquet(results / "methods_thresholds.parquet").columns
    assert (results / "figures" / "fig7_compression_digits_conv2.pdf").stat().st_size > 1000
    dry = snakemake(stages_project, *STAGES["lottery"][1], "--configfile", "config/stages.yaml", "-n")
    assert "Nothing to be done" in dry.stdout + dry.stderr
