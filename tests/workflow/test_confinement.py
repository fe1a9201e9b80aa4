"""The confinement stage (confinement.smk) through the real snakemake command line: the smoke config on the 8x8
digits (Conv-2) at the burn-in points t0 = 0, 4 and a three-point trajectory of one seed; only its targets."""

import numpy as np
import pandas as pd
import pytest
from workflow_helpers import copy_project, snakemake, write_config

pytestmark = pytest.mark.workflow


def tiny_confinement(config: dict) -> None:
    config["datasets"] = ["digits"]
    config["confinement"] = {
        "enabled": True,
        "ks": [1, 5],
        "n_examples": 64,
        "lanczos_iterations": 15,
        "trajectory_steps": [0, 2, 4],
    }


def test_confinement_targets_build_the_table_and_figure(tmp_path):
    workdir = copy_project(tmp_path)
    path = write_config(workdir, "confinement_tiny.yaml", tiny_confinement)
    results = workdir / "results" / "smoke"
    figure = "figures/confinement_digits_conv2.png"
    snakemake(workdir, "results/smoke/confinement.parquet", f"results/smoke/{figure}", "--configfile", path)

    confinement = pd.read_parquet(results / "confinement.parquet")
    burn_in = confinement[confinement["source"] == "burn_in"]
    assert sorted(burn_in["step"].unique()) == [0, 4] and sorted(burn_in["k"].unique()) == [1, 5, 10]
    trajectory = confinement[confinement["source"] == "trajectory"]
    assert sorted(trajectory["step"].unique()) == [0, 2, 4]
    # the trajectory passes through the burn-in checkpoints: same point, same numbers
    same = burn_in.merge(trajectory, on=["step", "k"], suffixes=("_b", "_t"))
    np.testing.assert_allclose(same["overlap_b"], same["overlap_t"], rtol=1e-4, atol=1e-6)
    assert confinement["overlap"].between(0, 1 + 1e-9).all()
    assert (results / figure).stat().st_size > 0
    assert (results / figure.replace(".png", ".pdf")).exists()
