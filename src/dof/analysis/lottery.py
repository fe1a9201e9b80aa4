"""The lottery stage's method comparison (the paper's figure 7): random, burn-in and lottery subspaces and lottery
tickets in one long table, and the d at which each method's median accuracy reaches a level."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dof.analysis.records import check_complete
from dof.analysis.thresholds import GROUP, with_method
from dof.config import INIT
from dof.theory.crossing import first_crossing

METHODS = ("random", "burn_in", "lottery_subspace", "lottery_ticket", "lottery_ticket_one_shot", "supermask")
"""Values of the `method` column: random (t0 = 0) and burn-in (t0 > 0) subspaces, lottery subspaces, lottery tickets
from iterative magnitude pruning and from the authors' one-shot pruning, supermasks over frozen weights."""


def aggregate_lottery(chunks: Sequence[pd.DataFrame], expected: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Lottery subspace, ticket and supermask chunk tables into one, each checked against its grid
    (`expected['subspaces']`, `expected['tickets']` / `['supermasks']` if they run), sorted by method, d and seed."""
    table = pd.concat(list(chunks), ignore_index=True)
    subspaces = table[table["method"] == "lottery_subspace"]
    check_complete(subspaces, expected["subspaces"])
    tickets = table[~table["method"].isin(["lottery_subspace", "supermask"])]
    if "tickets" in expected:
        check_complete(tickets, expected["tickets"])
    elif not tickets.empty:
        raise ValueError(f"{len(tickets)} ticket rows found but tickets are not configured")
    masks = table[table["method"] == "supermask"]
    if "supermasks" in expected:
        check_complete(masks, expected["supermasks"])
    elif not masks.empty:
        raise ValueError(f"{len(masks)} supermask rows found but supermasks are not configured")
    order = ["dataset", "model", "method", "d", "seed"]
    return table.sort_values(order, kind="stable").reset_index(drop=True)


def combine_methods(runs: pd.DataFrame, lottery_runs: pd.DataFrame) -> pd.DataFrame:
    """One long table of every method: random and burn-in subspace runs from the seeded initialisation (runs.parquet,
    start init: the lottery methods start there too) and the lottery rows."""
    runs = with_method(runs)
    table = pd.concat([runs[runs["start"] == INIT], with_method(lottery_runs)], ignore_index=True)
    order = ["dataset", "model", "method", "t0", "d", "seed"]
    return table.sort_values(order, kind="stable").reset_index(drop=True)


def median_reach_table(methods: pd.DataFrame, levels: Sequence[float], metric: str = "train_acc") -> pd.DataFrame:
    """Per (dataset, model, method, t0) and accuracy level: the smallest d whose median `metric` over seeds reaches
    the level (a diverged run counts as 0), with the compression D / d; null where no d of the grid does."""
    methods = with_method(methods)
    value = methods[metric].where(methods["status"].eq("ok"), 0.0).fillna(0.0)
    medians = methods[[*GROUP, "d"]].assign(value=value).groupby([*GROUP, "d"], sort=True)["value"].median()
    rows = []
    for key, curve in medians.groupby(level=list(range(len(GROUP))), sort=True):
        dims = curve.index.get_level_values("d").to_numpy()
        for level in levels:
            d = float(first_crossing(dims, curve.to_numpy(), float(level)))
            rows.append({**dict(zip(GROUP, key)), "metric": metric, "level": float(level), "d_reach": d})
    table = pd.DataFrame(rows, columns=[*GROUP, "metric", "level", "d_reach"])
    table["compression"] = table["n_params"] / table["d_reach"]
    table["d_reach"] = table["d_reach"].astype("Float64").astype("Int64")
    return table
