"""The confinement stage (confinement.smk) through the real snakemake command line: the stages DAG on the 8x8
digits (Conv-2) at the burn-in points t0 = 0, 4 and a three-point trajectory of one seed."""

import numpy as np
import pandas as pd
import pytest
from workflow_stages import RESULTS

pytestmark = pytest.mark.workflow


def test_confinement_targets_build_the_table_and_figure(stages_project):
    results = stages_project / RESULTS
    figure = "figures/confinement_digits_conv2.png"
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
