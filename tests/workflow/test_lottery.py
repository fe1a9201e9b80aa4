"""The lottery stage (lottery.smk) through the real `snakemake` command line: each method of figure 7, tiny grid."""

import pandas as pd
import pytest
from workflow_helpers import copy_project, snakemake, write_config

pytestmark = pytest.mark.workflow


def small_lottery(config: dict) -> None:
    """The smoke config with the lottery stage on, as small as it goes: 2 seeds, 1 burn-in, tiny trajectory."""
    config["experiment"] = "smoke_lottery"
    config["burn_in"]["t0"] = [0, 4]
    config["subspace"]["dims"] = [8, 64]
    config["lottery"] = {
        "enabled": True,
        "dims": [1, 4],
        "seeds_per_job": 2,
        "trajectory_steps": 24,
        "record_every": 4,
        "tickets": {"kept_fractions": [1.0, 0.3, 0.1], "prune_rate_per_round": 0.7, "one_shot": False},
        "supermask": {"enabled": True, "kept_fractions": [1.0, 0.1], "steps": 8},
    }


def test_lottery_stage_runs_through_snakemake(tmp_path):
    workdir = copy_project(tmp_path)
    configfile = write_config(workdir, "smoke_lottery.yaml", small_lottery)
    results = workdir / "results" / "smoke_lottery"
    names = ("methods_thresholds.parquet", "methods_reach.parquet", "figures/fig7_compression_mnist5k_conv2.png")
    targets = [f"results/smoke_lottery/{name}" for name in names]
    snakemake(workdir, *targets, "--configfile", configfile)
    methods = pd.read_parquet(results / "methods.parquet")
    assert set(methods["method"]) == {"random", "burn_in", "lottery_subspace", "lottery_ticket", "supermask"}
    masks = methods[methods["method"] == "supermask"].sort_values(["seed", "d"])
    assert masks["d"].tolist() == [round(0.1 * 20_490), 20_490] * 2 and masks["status"].eq("ok").all()
    lottery = methods[methods["method"] == "lottery_subspace"]
    assert sorted(lottery["d"].unique()) == [1, 4] and sorted(lottery["seed"].unique()) == [0, 1]
    tickets = methods[methods["method"] == "lottery_ticket"]
    assert tickets["d"].min() < 0.11 * 20_490  # kept 10 % of the weights: d = the number of kept weights
    assert "d_int90" in pd.read_parquet(results / "methods_thresholds.parquet").columns
    assert (results / "figures" / "fig7_compression_mnist5k_conv2.pdf").stat().st_size > 1000
    dry = snakemake(workdir, *targets, "--configfile", configfile, "-n")
    assert "Nothing to be done" in dry.stdout + dry.stderr
