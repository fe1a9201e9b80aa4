"""The jamming stage through the real snakemake command line (issue 13): a linear model on Gaussian points with
random labels, two P and four widths around N = P / 2, three seeds; only the jamming targets are asked for."""

import numpy as np
import pandas as pd
from workflow_helpers import copy_project, snakemake, write_config

from dof.stages.jamming import STATUSES

N_TRAIN, WIDTHS, SEEDS = [12, 20], [3, 5, 7, 9], [0, 1, 2]


def tiny_jamming(config: dict) -> None:
    config["thresholds"]["n_bootstrap"] = 50
    config["jamming"] = {
        "enabled": True,
        "datasets": ["gaussian"],
        "n_train": N_TRAIN,
        "depths": [0],
        "widths": WIDTHS,
        "seeds": SEEDS,
        "seeds_per_job": 3,
        "lr": 1.0,
        "max_steps": 2000,
        "check_every": 50,
        "plateau_steps": 200,
        "lr_drops": 2,
        "gaussian": {"input_dim": 10, "n_test": 50},
    }


def test_the_jamming_targets_build_tables_and_figures(tmp_path):
    workdir = copy_project(tmp_path)
    path = write_config(workdir, "jamming_tiny.yaml", tiny_jamming)
    results = workdir / "results" / "smoke"
    tables = ["jamming_runs", "jamming_success", "jamming_thresholds", "jamming_c0", "jamming_ensembles"]
    figures = [f"figures/jamming_{name}_gaussian_L0.png" for name in ("phase", "double_descent", "n_delta")]
    targets = [f"results/smoke/{name}.parquet" for name in tables] + [f"results/smoke/{name}" for name in figures]
    snakemake(workdir, *targets, "--configfile", path)

    runs = pd.read_parquet(results / "jamming_runs.parquet")
    assert len(runs) == len(N_TRAIN) * len(WIDTHS) * len(SEEDS)
    for column in ("n_train", "width", "seed", "n_params", "status", "steps", "n_delta", "test_error", "git_commit"):
        assert column in runs.columns
    assert runs["status"].isin(STATUSES).all() and not runs["status"].eq("diverged").any()
    assert runs["n_params"].eq(runs["width"] + 1).all()
    assert runs.loc[runs["status"].eq("fitted"), "n_delta"].eq(0).all()
    assert runs.loc[runs["n_params"].ge(runs["n_train"]), "status"].eq("fitted").all()  # N >= P: always separable

    success = pd.read_parquet(results / "jamming_success.parquet")
    assert {"n_train", "n_params", "n_runs", "p_success", "p_success_lo", "p_success_hi"} <= set(success.columns)
    assert len(success) == len(N_TRAIN) * len(WIDTHS) and success["n_runs"].eq(len(SEEDS)).all()
    thresholds = pd.read_parquet(results / "jamming_thresholds.parquet")
    half = thresholds[np.isclose(thresholds["level"], 0.5)]
    assert sorted(half["n_train"]) == N_TRAIN
    assert {"n_star", "n_star_fit", "n_star_fit_lo", "n_star_fit_hi", "fit_status", "censoring"} <= set(half.columns)
    c0 = pd.read_parquet(results / "jamming_c0.parquet")
    assert {"c0", "c0_lo", "c0_hi", "fit_status"} <= set(c0.columns) and c0["n_p_values"].eq(2).all()
    ensembles = pd.read_parquet(results / "jamming_ensembles.parquet")
    assert ensembles["ensemble_test_error"].isna().all()  # gaussian: no common test set
    assert ensembles["n_members"].eq(len(SEEDS)).all()
    for name in figures:
        assert (results / name).stat().st_size > 0
        assert (results / name.replace(".png", ".pdf")).exists()
