"""The jamming stage through the real snakemake command line (issue 13), as a known-answer test: a linear model on
P = 20 Gaussian points with random labels, widths around N = P / 2 (Cover's capacity), eight seeds, and random
subspaces (d = 12) of a linear model on the same points: the stages DAG's jamming block (tests/workflow_stages.py).

Known answers: a linear model fits its points (L = 0) exactly when linear programming says they are separable, so
each cell's fraction fitted is a binomial draw with Cover's probability and N*(P) at 50 % is P / 2; a random
subspace of a linear model fits exactly when its own linear feasibility problem has a solution."""

import numpy as np
import pandas as pd
import torch
from workflow_dags import PARITY_P
from workflow_stages import JAMMING, JAMMING_DIMS, JAMMING_P, JAMMING_SEEDS, JAMMING_WIDTHS, RESULTS, STAGES

from dof.analysis import jamming as analysis
from dof.config import JammingConfig, from_mapping
from dof.engine.projections import make_projection
from dof.stages import jamming, jamming_subspace
from dof.theory.cover import cover_probability, linearly_separable, margins_feasible

P, WIDTHS, SEEDS, DIMS = JAMMING_P, JAMMING_WIDTHS, JAMMING_SEEDS, JAMMING_DIMS


def subspace_feasible(seed: int, d: int, config: JammingConfig) -> bool:
    """The exact answer of a subspace run of the linear model: is there phi with y (f_0 + [x, 1] A phi) >= 1?"""
    task = jamming.build_task("gaussian", P, seed, config, {})
    seeds = jamming_subspace.subspace_run_seeds(seed, 0, 13, d)
    model = jamming.fc_network(13, 0, 13, seeds["init_seed"])
    a = make_projection("dense", 14, d, seeds["subspace_seed"]).matrix.double()
    with torch.no_grad():
        offset = model(task.x_train).squeeze(-1)
    features = torch.cat([task.x_train, torch.ones(P, 1, dtype=torch.float64)], dim=1) @ a
    return margins_feasible(features.numpy(), task.y_train.numpy(), offset.numpy())


def test_the_jamming_targets_measure_covers_known_answer(stages_project):
    results = stages_project / RESULTS
    figures = [name.removeprefix(f"{RESULTS}/") for name in STAGES["jamming"][1] if name.endswith(".png")]
    config = from_mapping(JammingConfig, JAMMING)

    runs = pd.read_parquet(results / "jamming_runs.parquet")
    assert len(runs) == len(WIDTHS) * len(SEEDS) and runs["n_params"].eq(runs["width"] + 1).all()
    assert runs["status"].isin(jamming.STATUSES).all() and not runs["status"].eq("diverged").any()
    assert runs.loc[runs["status"].eq("fitted"), "n_delta"].eq(0).all()
    separable = [
        linearly_separable(task.x_train[:, : row.width].numpy(), task.y_train.numpy())
        for row in runs.itertuples()
        for task in [jamming.build_task("gaussian", P, row.seed, config, {})]
    ]
    wrong = runs[runs["status"].eq("fitted").to_numpy() != np.array(separable)]
    assert len(wrong) <= 1, wrong[["width", "seed", "status", "steps", "n_delta"]]

    success = pd.read_parquet(results / "jamming_success.parquet")
    assert len(success) == len(WIDTHS) and success["n_runs"].eq(len(SEEDS)).all()
    cover = success["n_params"].map(lambda n: cover_probability(P, n))
    inside = success["p_success_lo"].le(cover) & cover.le(success["p_success_hi"])
    assert inside.sum() >= len(success) - 1, success.assign(cover=cover)
    half = pd.read_parquet(results / "jamming_thresholds.parquet").query("level == 0.5").iloc[0]
    if half["fit_status"] == "ok":
        assert half["n_star_fit_lo"] <= P / 2 <= half["n_star_fit_hi"], half
    else:  # the fit is not identified: the grid N* (first N with P_s >= 1/2) within one grid step of P / 2
        grid = sorted(success["n_params"])
        assert half["n_star"] in grid and abs(grid.index(half["n_star"]) - grid.index(P // 2)) <= 1, half
    c0 = pd.read_parquet(results / "jamming_c0.parquet")
    assert {"c0", "c0_lo", "c0_hi", "fit_status"} <= set(c0.columns)
    ensembles = pd.read_parquet(results / "jamming_ensembles.parquet")
    assert ensembles["ensemble_test_error"].isna().all()  # gaussian: no common test set

    sub = pd.read_parquet(results / "jamming_subspace_runs.parquet")
    assert len(sub) == len(DIMS) * len(SEEDS) and sub["n_params"].eq(14).all()
    feasible = np.array([subspace_feasible(row.seed, row.d, config) for row in sub.itertuples()])
    assert 0 < feasible.sum() < len(feasible)
    assert (sub["status"].eq("fitted").to_numpy() != feasible).sum() <= 1, sub.assign(feasible=feasible)
    two_ways = pd.read_parquet(results / "jamming_dof.parquet")
    assert sorted(two_ways["quantity"]) == ["N* L=0", "d* fc_L0_h13"]
    for name in figures:
        assert (results / name).stat().st_size > 0
        assert (results / name.replace(".png", ".pdf")).exists()


def test_parity_at_depth_one_and_two_is_fitted_from_n_2p_and_monotone(parity_project):
    """Known answers on digits parity (issue 25), the shipped optimiser and stop rules: every seed with N >= 2 P
    parameters (or a subspace of d >= 2 P) reaches L = 0, a run is `stuck` only with N_Delta > 0.1 N, the table shows
    the censored runs, and the fraction fitted does not fall with N beyond binomial noise."""
    workdir = parity_project
    results = workdir / "results" / "smoke"
    runs = pd.read_parquet(results / "jamming_runs.parquet")
    assert sorted(runs["depth"].unique()) == [1, 2] and len(runs) == 18
    large = runs["n_params"].ge(2 * PARITY_P)
    assert large.sum() == 6 and runs.loc[large, "status"].eq("fitted").all(), runs[large]
    stuck = runs["status"].eq("stuck")
    assert runs.loc[stuck, "n_delta"].gt(0.1 * runs.loc[stuck, "n_params"]).all()
    success = pd.read_parquet(results / "jamming_success.parquet")
    assert success["n_runs"].add(success["n_undecided"]).eq(3).all()
    assert success["n_undecided"].sum() == runs["status"].eq("budget").sum()
    assert analysis.monotonicity(success)["monotone"].all()
    sub = pd.read_parquet(results / "jamming_subspace_runs.parquet")
    assert sub.loc[sub["d"].ge(2 * PARITY_P), "status"].eq("fitted").all() and len(sub) == 6, sub
    curves = ("dataset", "network", "n_train")
    assert analysis.monotonicity(analysis.subspace_success(sub), curve=curves)["monotone"].all()
