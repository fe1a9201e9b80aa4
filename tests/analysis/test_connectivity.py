"""Connectivity tables (dof.analysis.connectivity): the log-log fits and the tables built by records.aggregate."""

import numpy as np
import pandas as pd
import pytest

from dof.analysis import connectivity as analysis
from dof.analysis import records
from dof.tables import CONNECTIVITY_RUN_KEY


def test_log_log_fit_recovers_a_power_law_and_the_seed_rate_is_shallower_than_minus_one():
    rng = np.random.default_rng(0)
    widths = np.repeat([16, 32, 64, 128, 256], 4)
    values = 3.0 * widths**-1.0 * np.exp(rng.normal(0, 0.1, len(widths)))
    fit = analysis.log_log_fit(widths, np.append(values[:-1], 0.0))
    assert fit["slope_lo"] < -1.0 < fit["slope_hi"] and fit["slope_hi"] < -0.8
    assert fit["n_points"] == len(widths) - 1 and fit["n_nonpositive"] == 1
    assert np.isnan(analysis.log_log_fit([16, 16, 16], [1.0, 2.0, 3.0])["slope"])
    assert -1.0 < analysis.seed_rate_slope(widths) < -0.7


def test_connectivity_tables_are_built_by_the_one_aggregate():
    grid = records.expected_grid({"dataset": ["digits"], "depth": [2], "width": [8, 16], "seed": [0, 1]})
    chunks = [grid.iloc[[3, 2]].assign(status="ok"), grid.iloc[[1, 0]].assign(status="ok")]
    runs = records.aggregate(chunks, grid, key=CONNECTIVITY_RUN_KEY)
    assert runs[list(CONNECTIVITY_RUN_KEY)].equals(grid)
    with pytest.raises(ValueError, match="no record"):
        records.aggregate(chunks[:1], grid, key=CONNECTIVITY_RUN_KEY)
    with pytest.raises(ValueError, match=r"lack the columns \['seed'\]"):
        records.aggregate([grid.drop(columns="seed")], None, key=CONNECTIVITY_RUN_KEY)
    curves = pd.DataFrame({"path": ["b", "a"], "position": [0.0, 1.0]})
    assert records.aggregate([curves], None, key=["path"])["path"].tolist() == ["a", "b"]
