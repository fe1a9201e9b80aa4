"""Run records: collecting chunk tables into one and checking them against the configured grid."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from dof.config import INIT
from dof.engine.provenance import PROVENANCE_COLUMNS
from dof.tables import SUBSPACE_RUN_KEY

RUN_COLUMNS = [
    *SUBSPACE_RUN_KEY,
    "n_params",
    "init_seed",
    "subspace_seed",
    "batch_seed",
    "projection",
    "status",
    "steps",
    "train_loss",
    "train_acc",
    "test_loss",
    "test_acc",
    "wall_time_s",
    *PROVENANCE_COLUMNS,
]
"""Columns every run record has (the README's runs.parquet schema); aggregation refuses tables without them."""


Axes = Mapping[str, Sequence[object]]
"""A grid's axes: each key column with its values (the grid is their product)."""


def expected_grid(axes: Axes | Sequence[Axes]) -> pd.DataFrame:
    """The full product of the grid axes as a table, one row per expected run; for a list of axes (a grid in parts,
    e.g. models with different starts) the union of their products."""
    if not isinstance(axes, Mapping):
        return pd.concat([expected_grid(part) for part in axes], ignore_index=True)
    names = list(axes)
    return pd.DataFrame(list(itertools.product(*(axes[n] for n in names))), columns=names)


def expected_runs(axes: Axes | Sequence[Axes], cells: pd.DataFrame | None = None) -> pd.DataFrame:
    """The runs a table must hold: the grid's product (or the union of its parts'), plus every seed of each added
    (dataset, model, start, t0, d) cell (refinement rounds; tables without a start column start from init)."""
    grid = expected_grid(axes)
    if cells is None or cells.empty:
        return grid
    cells = cells if "start" in cells.columns else cells.assign(start=INIT)
    added = cells[[c for c in grid.columns if c != "seed"]].merge(grid[["seed"]].drop_duplicates(), how="cross")
    return pd.concat([grid, added[grid.columns]], ignore_index=True).drop_duplicates(ignore_index=True)


def check_complete(runs: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Refuse duplicate runs, and runs of the expected grid that are missing, naming them."""
    key = list(expected.columns)
    duplicated = runs[runs.duplicated(key, keep=False)]
    if not duplicated.empty:
        found = duplicated[key].drop_duplicates().to_dict("records")
        raise ValueError(f"{len(found)} runs are recorded more than once, e.g. {found[:5]}")
    merged = expected.merge(runs[key], how="left", on=key, indicator=True)
    missing = merged.loc[merged["_merge"] == "left_only", key].to_dict("records")
    if missing:
        raise ValueError(f"{len(missing)} runs of the grid have no record, e.g. {missing[:5]}; rerun snakemake")


def aggregate(
    chunks: Iterable[pd.DataFrame],
    expected: pd.DataFrame | None,
    key: Sequence[str] | None = None,
    required: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Concatenate chunk tables, refuse them without the `required` columns, check them against the grid `expected`
    (its columns; None: no grid, e.g. a table of curves) and sort them by `key`.

    Defaults: the subspace runs' key (dof.tables.SUBSPACE_RUN_KEY), and RUN_COLUMNS as the required columns; with
    another `key` the required columns default to that key."""
    key = list(SUBSPACE_RUN_KEY if key is None else key)
    if required is None:
        required = RUN_COLUMNS if key == list(SUBSPACE_RUN_KEY) else key
    runs = pd.concat(list(chunks), ignore_index=True)
    missing = [column for column in required if column not in runs.columns]
    if missing:
        raise ValueError(f"run records lack the columns {missing}; delete the chunk tables and rerun snakemake")
    if expected is not None:
        check_complete(runs, expected)
    return runs.sort_values(key, kind="stable").reset_index(drop=True)
