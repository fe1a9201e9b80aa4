"""The Goldilocks and confinement stages through the real snakemake command line (issue 14, seed 001): the smoke
config on the 8x8 digits (Conv-2, D = 6,090) with three init scales at one d and two seeds, and the confinement at
the burn-in points t0 = 0, 4 and a three-point trajectory of one seed; only these stages' targets are asked for."""

import numpy as np
import pandas as pd
from workflow_helpers import copy_project, snakemake, write_config

SCALES = [0.25, 1.0, 4.0]


def tiny_curvature(config: dict) -> None:
    config["datasets"] = ["digits"]
    config["goldilocks"] = {
        "enabled": True,
        "init_scales": SCALES,
        "dims": [8],
        "curvature_seeds": 1,
        "n_examples": 64,
    }
    config["confinement"] = {
        "enabled": True,
        "ks": [1, 5],
        "n_examples": 64,
        "lanczos_iterations": 15,
        "trajectory_steps": [0, 2, 4],
    }


def test_goldilocks_and_confinement_targets_build_tables_and_figures(tmp_path):
    workdir = copy_project(tmp_path)
    path = write_config(workdir, "curvature_tiny.yaml", tiny_curvature)
    results = workdir / "results" / "smoke"
    tables = ["goldilocks_runs", "goldilocks_success", "goldilocks_curvature", "goldilocks_peaks", "confinement"]
    figures = ["figures/goldilocks_digits_conv2.png", "figures/confinement_digits_conv2.png"]
    targets = [f"results/smoke/{name}.parquet" for name in tables] + [f"results/smoke/{name}" for name in figures]
    snakemake(workdir, *targets, "--configfile", path)

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

    confinement = pd.read_parquet(results / "confinement.parquet")
    burn_in = confinement[confinement["source"] == "burn_in"]
    assert sorted(burn_in["step"].unique()) == [0, 4] and sorted(burn_in["k"].unique()) == [1, 5, 10]
    trajectory = confinement[confinement["source"] == "trajectory"]
    assert sorted(trajectory["step"].unique()) == [0, 2, 4]
    # the trajectory passes through the burn-in checkpoints: same point, same numbers
    key = ["step", "k"]
    same = burn_in.merge(trajectory, on=key, suffixes=("_b", "_t"))
    np.testing.assert_allclose(same["overlap_b"], same["overlap_t"], rtol=1e-4, atol=1e-6)
    assert confinement["overlap"].between(0, 1 + 1e-9).all()
    for name in figures:
        assert (results / name).stat().st_size > 0
        assert (results / name.replace(".png", ".pdf")).exists()
