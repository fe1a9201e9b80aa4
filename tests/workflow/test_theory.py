"""The theory stage (theory.smk) through the real `snakemake` command line: d* that is never reached is null."""

import numpy as np
import pandas as pd
import pytest
from workflow_stages import QUADRATIC_DIMS, RESULTS

pytestmark = pytest.mark.workflow


def test_quadratic_widths_are_null_where_the_grid_never_reaches(stages_project):
    """theory.quadratic.dims [10, 50, 100, 150] of D = 200: the far, tight cells are never reached."""
    results = stages_project / RESULTS
    widths = pd.read_parquet(results / "widths.parquet")
    never = widths["d_star_empirical"].isna()
    assert never.any(), widths[["spectrum", "R", "epsilon", "d_star_empirical"]]
    for column in ("d_star_empirical", "d_star_median"):
        values = widths[column].dropna().to_numpy(dtype=float)
        assert np.isin(values, QUADRATIC_DIMS).all(), (column, values)  # grid points only: no -9.2e18
    for column in ("gap_empirical", "gap_median"):
        assert (widths[column].dropna().astype(float) > -200).all(), column  # |gap| <= D
    assert widths.loc[never, "gap_empirical"].isna().all()
    assert (results / "figures" / "fig5_quadratic.png").stat().st_size > 1000
