"""Tables of the Goldilocks stage (dof.analysis.goldilocks) on small hand-made tables."""

import numpy as np
import pandas as pd
import pytest

from dof.analysis import goldilocks as tables
from dof.analysis.records import expected_grid


def goldilocks_chunk(init_scale: float, measured_seed: int = 0) -> pd.DataFrame:
    """The records of one goldilocks_runs job: seeds 0 and 1 at d = 8, a section measured for `measured_seed`."""
    rows = []
    for seed in (0, 1):
        measured = seed == measured_seed
        rows.append(
            {
                "dataset": "tiny",
                "model": "conv2",
                "n_params": 100,
                "t0": 0,
                "init_scale": init_scale,
                "d": 8,
                "seed": seed,
                "status": "ok",
                "train_acc": 0.4 + 0.2 * seed,
                "test_acc": 0.3 + 0.2 * seed,
                "start_train_acc": 0.1,
                "start_test_acc": 0.1,
                **{m: (0.5 if measured else np.nan) for m in tables.CURVATURE_MEASURES},
                "start_subset_loss": 2.0 if measured else np.nan,
                "theta_norm": 3.0 * init_scale if measured else np.nan,
            }
        )
    return pd.DataFrame(rows)


def test_success_and_curvature_tables():
    runs = [goldilocks_chunk(r) for r in (1.0, 0.1)]
    grid = {"dataset": ["tiny"], "model": ["conv2"], "init_scale": [0.1, 1.0], "d": [8], "seed": [0, 1]}
    all_runs = tables.aggregate_goldilocks(runs, expected_grid(grid))
    assert all_runs["init_scale"].tolist() == [0.1, 0.1, 1.0, 1.0]  # sorted by the run key
    success = tables.goldilocks_success(all_runs, [0.5], ["train_acc"])
    assert set(success["init_scale"]) == {0.1, 1.0} and set(success["d"]) == {0, 8}
    assert success["n_runs"].eq(2).all()
    assert success.loc[success["d"].eq(8), "p_success"].eq(0.5).all()
    sections = tables.goldilocks_curvature(all_runs)
    assert len(sections) == 2 and sections["n_sections"].eq(1).all()
    with pytest.raises(ValueError, match="no record"):
        tables.aggregate_goldilocks(runs[:1], expected_grid(grid))
    with pytest.raises(ValueError, match="more than once"):
        tables.aggregate_goldilocks([*runs, runs[0]], expected_grid(grid))


def test_peak_and_band_of_p_success():
    scales = [0.25, 0.5, 1.0, 2.0, 4.0]
    success = pd.DataFrame(
        {
            "dataset": "x",
            "model": "m",
            "d": 16,
            "metric": "train_acc",
            "epsilon": 0.5,
            "init_scale": scales,
            "p_success": [0.0, 0.3, 0.8, 0.5, 0.1],
        }
    )
    peak = tables.goldilocks_peaks(success).iloc[0]
    assert (peak["peak_scale"], peak["band_lo"], peak["band_hi"], peak["interior"]) == (1.0, 1.0, 2.0, True)
    edge = tables.goldilocks_peaks(success.assign(p_success=[0.9, 0.8, 0.5, 0.2, 0.0])).iloc[0]
    assert edge["peak_scale"] == 0.25 and not edge["interior"]
