"""Tables of the confinement stage (dof.analysis.confinement) on small hand-made tables."""

import pandas as pd
import pytest

from dof.analysis import confinement as tables


def confinement_rows(source: str, step: int, seed: int = 1) -> pd.DataFrame:
    """Rows of one confinement point at k = 1, 2, 3."""
    return pd.DataFrame(
        {
            "dataset": "tiny",
            "model": "conv2",
            "seed": seed,
            "source": source,
            "step": step,
            "k": [1, 2, 3],
            "overlap": [0.5, 0.7, 0.9],
            "random_overlap": [0.01, 0.02, 0.03],
            "lambda_max": 4.0,
        }
    )


def test_confinement_table_and_summary():
    rows, trajectory = confinement_rows("burn_in", 2), confinement_rows("trajectory", 0)
    table = tables.confinement_table([rows, trajectory, confinement_rows("trajectory", 2)])
    assert len(table) == 9 and table["source"].tolist()[:3] == ["burn_in"] * 3
    summary = tables.confinement_summary(pd.concat([table, confinement_rows("burn_in", 2, seed=2)]))
    assert len(summary) == 9 and summary.loc[summary["source"].eq("burn_in"), "n_seeds"].eq(2).all()
    with pytest.raises(ValueError, match="twice"):
        tables.confinement_table([rows, rows])
