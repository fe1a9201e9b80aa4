"""Adaptive refinement of the d grid: geometric midpoints only inside the brackets where P_s crosses a level.

A bracket of a (group, metric, epsilon) curve at level L is the pair of neighbouring grid dimensions (d_lo, d_hi)
with d_hi the grid d* at L (the smallest d with P_s >= L) and d_lo the grid d below it. Each round adds the integer
geometric midpoint round(sqrt(d_lo d_hi)) of every bracket wider than the target resolution, so after k rounds from
a factor-2 grid d* is resolved to 2^(1/2^k) wherever it matters, with runs only there. Refining every neighbouring
pair instead (`dense_refinement`) gives the dense grid of the same resolution, which holds every refined d.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from dof.analysis.thresholds import GROUP, grid_below, success_table, with_method, with_start
from dof.theory.crossing import first_crossing

LEVELS = ("one_minus_delta", "half")
"""The levels whose crossing a refinement brackets: 1 - delta (the paper's d*) and 1/2 (the transition's middle)."""

CELL = ["dataset", "model", "start", "t0", "d"]
"""A refined cell: one new d of one (dataset, model, start, t0) curve; every configured seed runs there."""


def level_value(level: str, delta: float) -> float:
    """The success probability of a named level."""
    if level not in LEVELS:
        raise ValueError(f"unknown refinement level {level!r}; choose from {list(LEVELS)}")
    return 1.0 - delta if level == "one_minus_delta" else 0.5


def midpoint(d_lo: int, d_hi: int) -> int | None:
    """The integer geometric midpoint of a bracket, or None when no integer lies strictly inside it (or d_lo = 0)."""
    if d_lo <= 0:
        return None
    mid = round(math.sqrt(d_lo * d_hi))
    return mid if d_lo < mid < d_hi else None


def needs_split(d_lo: int, d_hi: int, resolution: float) -> bool:
    """Whether a bracket is wider than the target resolution (a ratio d_hi / d_lo) and has an integer inside."""
    return d_lo > 0 and d_hi / d_lo > resolution and midpoint(d_lo, d_hi) is not None


def dense_refinement(dims: Iterable[int], rounds: int, resolution: float) -> list[int]:
    """The grid refined everywhere: `rounds` times the midpoint of every neighbouring pair wider than `resolution`."""
    grid = sorted(set(int(d) for d in dims))
    for _ in range(rounds):
        new = [midpoint(lo, hi) for lo, hi in zip(grid, grid[1:]) if needs_split(lo, hi, resolution)]
        if not new:
            break
        grid = sorted(set(grid) | set(new))
    return grid


def chosen_curves(success: pd.DataFrame, metrics: Sequence[str] = (), epsilons: Sequence[float] = ()) -> pd.DataFrame:
    """The rows of the curves a refinement serves: the given metrics and epsilons (empty: every one)."""
    keep = np.ones(len(success), dtype=bool)
    if len(metrics):
        keep &= success["metric"].isin(list(metrics)).to_numpy()
    if len(epsilons):
        keep &= success["epsilon"].isin([float(epsilon) for epsilon in epsilons]).to_numpy()
    return success[keep]


def curves(success: pd.DataFrame) -> Iterator[tuple[dict, np.ndarray, np.ndarray]]:
    """(key, d ascending, P_s) of every (group, metric, epsilon) curve of a success table."""
    for key, cell in with_start(success).groupby([*GROUP, "metric", "epsilon"], sort=True):
        cell = cell.sort_values("d")
        yield dict(zip([*GROUP, "metric", "epsilon"], key)), cell["d"].to_numpy(), cell["p_success"].to_numpy()


def brackets(success: pd.DataFrame, levels: Sequence[str], delta: float) -> pd.DataFrame:
    """One row per (group, metric, epsilon, level) whose curve crosses the level above its smallest d: the grid d*
    there (d_hi) and the grid d below it (d_lo; 0 is the start point)."""
    rows = []
    for key, dims, p in curves(success):
        for level in levels:
            d_star = float(first_crossing(dims, p, level_value(level, delta)))
            if np.isfinite(d_star) and d_star != dims[0]:
                rows.append({**key, "level": level, "d_lo": grid_below(dims, d_star), "d_hi": int(d_star)})
    return pd.DataFrame(rows, columns=[*GROUP, "metric", "epsilon", "level", "d_lo", "d_hi"])


def refined_cells(
    success: pd.DataFrame, levels: Sequence[str], delta: float, resolution: float, round_number: int
) -> pd.DataFrame:
    """The new (dataset, model, start, t0, d) cells of one refinement round: the midpoints of the brackets wider than
    `resolution`, each with the brackets that asked for it (metric, epsilon, level, d_lo, d_hi)."""
    found = brackets(success, levels, delta)
    wide = [needs_split(lo, hi, resolution) for lo, hi in zip(found["d_lo"], found["d_hi"])]
    found = found[np.asarray(wide, dtype=bool)].copy()
    found["d"] = [midpoint(lo, hi) for lo, hi in zip(found["d_lo"], found["d_hi"])]
    found["reason"] = [f"{m}@{e:g}/{level}" for m, e, level in zip(found["metric"], found["epsilon"], found["level"])]
    reasons = (
        found.astype({"reason": str})
        .groupby(CELL, sort=True)
        .agg(reasons=("reason", ";".join), d_lo=("d_lo", "min"), d_hi=("d_hi", "max"))
        .reset_index()
    )
    reasons.insert(0, "round", int(round_number))
    return reasons.astype({"t0": "int64", "d": "int64", "d_lo": "int64", "d_hi": "int64"})


def grid_thresholds(success: pd.DataFrame, levels: Sequence[str], delta: float) -> pd.DataFrame:
    """The grid d at each level per (group, metric, epsilon) curve: the smallest d with P_s >= level (NaN: never)."""
    rows = [
        {**key, "level": level, "d_level": float(first_crossing(dims, p, level_value(level, delta)))}
        for key, dims, p in curves(success)
        for level in levels
    ]
    return pd.DataFrame(rows)


def agreement_table(
    reference: pd.DataFrame, refined: pd.DataFrame, fine_grid: Sequence[int], levels: Sequence[str], delta: float
) -> pd.DataFrame:
    """Grid thresholds of a refined run beside those of the dense fine grid (`reference`), per curve and level;
    `steps_apart` counts fine-grid steps between them (0 when both never reach the level, inf when one only does),
    `agrees` is steps_apart <= 1."""
    key = [*GROUP, "metric", "epsilon", "level"]
    both = grid_thresholds(reference, levels, delta).merge(
        grid_thresholds(refined, levels, delta), on=key, suffixes=("_reference", "_refined"), validate="one_to_one"
    )
    position = {d: i for i, d in enumerate([0, *sorted(int(d) for d in fine_grid)])}

    def steps(a: float, b: float) -> float:
        if np.isnan(a) and np.isnan(b):
            return 0.0
        if np.isnan(a) or np.isnan(b):
            return np.inf
        return float(abs(position[int(a)] - position[int(b)]))

    both["steps_apart"] = [steps(a, b) for a, b in zip(both["d_level_reference"], both["d_level_refined"])]
    both["agrees"] = both["steps_apart"] <= 1
    return both


def replay_refinement(
    runs: pd.DataFrame,
    dims: Sequence[int],
    rounds: int,
    levels: Sequence[str],
    thresholds: Mapping[str, Any],
    resolution: float,
) -> pd.DataFrame:
    """The runs a refinement of the grid `dims` would have, replayed on the finished runs of a grid holding every
    d it can add (nested seeds make a run the same whichever grid asked for it); `thresholds` gives the success
    criteria (metrics, epsilons, delta, confidence) and, under `refine`, the refined curves (metrics, epsilons)."""
    runs = with_method(runs)
    kept = runs[runs["d"].isin(set(dims))]
    refine = thresholds.get("refine", {})
    epsilons = refine.get("epsilons") or thresholds["epsilons"]
    metrics = refine.get("metrics") or thresholds["metrics"]
    for number in range(1, rounds + 1):
        success = success_table(kept, list(epsilons), list(metrics), thresholds.get("confidence", 0.95))
        cells = refined_cells(success, levels, thresholds.get("delta", 0.1), resolution, number)
        if cells.empty:
            break
        kept = pd.concat([kept, runs.merge(cells[CELL], on=CELL)], ignore_index=True)
    return kept


def required_cells(reference: pd.DataFrame, dims: Sequence[int], levels: Sequence[str], delta: float) -> pd.DataFrame:
    """The (dataset, model, start, t0, d) cells outside the grid `dims` that a refinement must add to resolve every
    curve of the dense `reference` success table to one fine step: the reference's d at each level and the fine d
    below it. Their count bounds from below what any refinement that runs every seed at the d it adds can cost."""
    found = brackets(reference, levels, delta)
    wanted = pd.concat(
        [
            found[[*CELL[:-1], "d_hi"]].rename(columns={"d_hi": "d"}),
            found[[*CELL[:-1], "d_lo"]].rename(columns={"d_lo": "d"}),
        ]
    )
    outside = wanted[~wanted["d"].isin([0, *(int(d) for d in dims)])]
    return outside.drop_duplicates().sort_values(CELL).reset_index(drop=True)
