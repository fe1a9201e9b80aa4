"""The theory stage (theory.smk) through the real `snakemake` command line: d* that is never reached is null."""

import numpy as np
import pandas as pd
import pytest
from workflow_helpers import copy_project, snakemake, write_config

pytestmark = pytest.mark.workflow


def test_quadratic_widths_are_null_where_the_grid_never_reaches(tmp_path):
    """theory.quadratic.dims [10, 50, 100, 150] of D = 200: the far, tight cells are never reached."""
    workdir = copy_project(tmp_path)
    configfile = write_config(
        workdir, "short_grid.yaml", lambda c: c["theory"]["quadratic"].update(dims=[10, 50, 100, 150])
    )
    results = workdir / "results" / "smoke"
    targets = [str(results.relative_to(workdir) / name) for name in ("widths.parquet", "figures/fig5_quadratic.png")]
    snakemake(workdir, *targets, "--configfile", configfile)
    widths = pd.read_parquet(results / "widths.parquet")
    never = widths["d_star_empirical"].isna()
    assert never.any(), widths[["spectrum", "R", "epsilon", "d_star_empirical"]]
    for column in ("d_star_empirical", "d_star_median"):
        values = widths[column].dropna().to_numpy(dtype=float)
        assert np.isin(values, [10, 50, 100, 150]).all(), (column, values)  # grid points only: no -9.2e18
    for column in ("gap_empirical", "gap_median"):
        assert (widths[column].dropna().astype(float) > -200).all(), column  # |gap| <= D
    assert widths.loc[never, "gap_empirical"].isna().all()
    assert (results / "figures" / "fig5_quadratic.png").stat().st_size > 1000
