"""The connectivity stage through the real snakemake command line (issue 14): mean-field networks on digits at two
widths, two hidden layers, four seeds (two pairs, each on disjoint halves of the training split): the
stages DAG's connectivity block (tests/workflow_stages.py)."""

import pandas as pd
import pytest
from workflow_stages import CONNECTIVITY_FRACTIONS as FRACTIONS
from workflow_stages import CONNECTIVITY_SEEDS as SEEDS
from workflow_stages import CONNECTIVITY_WIDTHS as WIDTHS
from workflow_stages import RESULTS

pytestmark = pytest.mark.workflow


def test_the_connectivity_targets_build_tables_and_figures(stages_project):
    results = stages_project / RESULTS
    figures = [f"figures/connectivity_{name}_digits_L2.png" for name in ("gap", "barriers", "paths")]
    runs = pd.read_parquet(results / "connectivity_runs.parquet")
    assert len(runs) == len(WIDTHS) * len(SEEDS) and runs["status"].eq("ok").all()
    assert runs.set_index("seed")["data_half"].groupby(level=0).first().tolist() == [0, 1, 0, 1]  # pairs 0-1, 2-3
    for column in ("width", "seed", "n_params", "train_loss", "test_loss", "init_seed", "git_commit", "config_hash"):
        assert column in runs.columns
    gaps = pd.read_parquet(results / "connectivity_gaps.parquet")
    assert len(gaps) == len(WIDTHS) * len(SEEDS) * len(FRACTIONS) * 2 and gaps["n_subsets"].eq(2).all()
    assert (gaps["gap"] >= 0).all()
    barriers = pd.read_parquet(results / "connectivity_barriers.parquet")
    assert len(barriers) == len(WIDTHS) * 2 * 2 * 2  # widths x pairs x paths x splits
    assert (barriers["barrier"] >= 0).all()
    paths = pd.read_parquet(results / "connectivity_paths.parquet")
    dropout_points = paths[paths["path"].eq("dropout")].groupby(["width", "pair", "split"]).size()
    assert dropout_points.eq(1 + 7 * 2).all()  # 2L + 3 = 7 segments of 3 points, ends shared
    slopes = pd.read_parquet(results / "connectivity_slopes.parquet")
    assert {"gap", "barrier_straight", "barrier_dropout"} <= set(slopes["quantity"])
    assert {"slope", "slope_lo", "slope_hi", "seed_rate_slope", "n_points"} <= set(slopes.columns)
    summary = pd.read_parquet(results / "connectivity_summary.parquet")
    assert len(summary) == len(WIDTHS) and summary["n_pairs"].eq(2).all() and summary["n_runs"].eq(len(SEEDS)).all()
    for name in figures:
        assert (results / name).stat().st_size > 0
        assert (results / name.replace(".png", ".pdf")).exists()
