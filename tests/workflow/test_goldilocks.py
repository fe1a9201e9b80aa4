"""The Goldilocks stage (goldilocks.smk) through the real snakemake command line: the stages DAG on the 8x8 digits
(Conv-2, D = 6,090) with three init scales at one d and two seeds."""

import numpy as np
import pandas as pd
import pytest
from workflow_stages import GOLDILOCKS_SCALES as SCALES
from workflow_stages import RESULTS

pytestmark = pytest.mark.workflow


def test_goldilocks_targets_build_tables_and_figures(stages_project):
    results = stages_project / RESULTS
    figure = "figures/goldilocks_digits_conv2.png"
    runs = pd.read_parquet(results / "goldilocks_runs.parquet")
    assert len(runs) == len(SCALES) * 2 and sorted(runs["init_scale"].unique()) == SCALES
    assert runs["t0"].eq(0).all() and runs["d"].eq(8).all() and runs["status"].eq("ok").all()
    # the section of the first seed only; the start's norm scales with r
    measured = runs.dropna(subset=["trace_over_frobenius"]).sort_values("init_scale")
    assert measured["seed"].eq(0).all() and len(measured) == len(SCALES)
    np.testing.assert_allclose(
        measured["theta_norm"] / measured["init_scale"], measured["theta_norm"].iloc[1], rtol=1e-5
    )
    success = pd.read_parquet(results / "goldilocks_success.parquet")
    assert {"init_scale", "d", "p_success", "p_success_lo", "p_success_hi"} <= set(success.columns)
    curvature = pd.read_parquet(results / "goldilocks_curvature.parquet")
    assert sorted(curvature["init_scale"]) == SCALES and curvature["n_sections"].eq(1).all()
    assert (results / figure).stat().st_size > 0
    assert (results / figure.replace(".png", ".pdf")).exists()
