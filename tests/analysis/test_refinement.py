import math

import pandas as pd
import pytest

from dof.analysis import refinement
from dof.analysis.thresholds import success_table


def success(p_by_d: dict[int, float], t0: int = 0, epsilon: float = 0.5, n_runs: int = 5) -> pd.DataFrame:
    """A success table of one curve: P_s per d (d = 0 the start point)."""
    return pd.DataFrame(
        {
            "dataset": "mnist5k",
            "model": "conv2",
            "n_params": 1000,
            "method": "random" if t0 == 0 else "burn_in",
            "t0": t0,
            "d": list(p_by_d),
            "metric": "train_acc",
            "epsilon": epsilon,
            "n_runs": n_runs,
            "n_success": [round(p * n_runs) for p in p_by_d.values()],
            "p_success": list(p_by_d.values()),
        }
    )


def dense_runs(dims: list[int], seeds, train_acc) -> pd.DataFrame:
    """Finished runs of one t0 = 0 curve at every d and seed, with train_acc(d, seed)."""
    return pd.DataFrame(
        [
            {"dataset": "mnist5k", "model": "conv2", "n_params": 1000, "t0": 0, "d": d, "seed": s, "status": "ok"}
            | {"train_acc": float(train_acc(d, s))}
            for d in dims
            for s in seeds
        ]
    )


def test_midpoint_is_the_integer_geometric_mean_strictly_inside():
    assert refinement.midpoint(4, 8) == 6 and refinement.midpoint(64, 128) == 91
    assert refinement.midpoint(4, 5) is None and refinement.midpoint(0, 4) is None


def test_dense_refinement_of_a_factor_two_grid_reaches_a_quarter_octave():
    grid = refinement.dense_refinement([4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096], rounds=2, resolution=1.19)
    assert len(grid) == 41 and grid[:5] == [4, 5, 6, 7, 8]
    ratios = [hi / lo for lo, hi in zip(grid, grid[1:])]
    assert (
        max(ratios[16:]) < 1.2 and max(ratios) <= 1.25 and math.isclose(math.prod(ratios), 1024)
    )  # integers at small d


def test_brackets_are_the_grid_d_star_and_the_d_below_it_at_each_level():
    table = success({0: 0.0, 4: 0.0, 8: 0.2, 16: 0.6, 32: 1.0, 64: 1.0})
    found = refinement.brackets(table, ["one_minus_delta", "half"], delta=0.1).set_index("level")
    assert (found.loc["one_minus_delta", "d_lo"], found.loc["one_minus_delta", "d_hi"]) == (16, 32)
    assert (found.loc["half", "d_lo"], found.loc["half", "d_hi"]) == (8, 16)


def test_no_bracket_where_the_start_succeeds_or_the_grid_never_does():
    starts = success({0: 1.0, 4: 1.0, 8: 1.0})
    never = success({0: 0.0, 4: 0.0, 8: 0.4}, t0=4)
    assert refinement.brackets(pd.concat([starts, never]), ["one_minus_delta"], delta=0.1).empty


def test_a_round_adds_each_midpoint_once_per_curve_with_its_reasons():
    table = pd.concat(
        [
            success({0: 0.0, 4: 0.0, 8: 0.2, 16: 0.6, 32: 1.0}),
            success({0: 0.0, 4: 0.0, 8: 0.2, 16: 1.0, 32: 1.0}, epsilon=0.4),
            success({0: 0.0, 4: 0.6, 8: 1.0, 16: 1.0, 32: 1.0}, t0=4),
        ]
    )
    cells = refinement.refined_cells(table, ["one_minus_delta", "half"], 0.1, 1.19, round_number=1)
    got = {(row.t0, row.d): row.reasons for row in cells.itertuples()}
    # t0 = 0: 1 - delta brackets (16, 32) and (8, 16); 1/2 brackets (8, 16) twice -> 23 and 11, each once
    assert set(got) == {(0, 11), (0, 23), (4, 6)}  # t0 = 4: (4, 8) at 1 - delta; 1/2 at d = 4 has d_lo = 0
    assert got[(0, 11)].count("/") == 3 and (cells["round"] == 1).all()


def test_brackets_finer_than_the_resolution_are_not_split():
    table = success({0: 0.0, 16: 0.0, 19: 1.0})
    assert refinement.refined_cells(table, ["one_minus_delta"], 0.1, 1.19, 1).empty
    assert refinement.refined_cells(table, ["one_minus_delta"], 0.1, 1.1, 1)["d"].tolist() == [17]


def test_unknown_level_is_named():
    with pytest.raises(ValueError, match="one_minus_delta"):
        refinement.level_value("third", 0.1)


def test_agreement_counts_fine_grid_steps_between_thresholds():
    fine = [4, 5, 6, 7, 8]
    reference = pd.concat(
        [success({0: 0.0, 4: 0.0, 5: 0.0, 6: 1.0, 7: 1.0, 8: 1.0}), success({0: 0, 4: 0, 8: 0}, epsilon=0.9)]
    )
    refined = pd.concat([success({0: 0.0, 4: 0.0, 6: 0.0, 7: 1.0, 8: 1.0}), success({0: 0, 4: 0, 8: 1.0}, epsilon=0.9)])
    table = refinement.agreement_table(reference, refined, fine, ["one_minus_delta"], 0.1).set_index("epsilon")
    assert table.loc[0.5, "steps_apart"] == 1 and table.loc[0.5, "agrees"]  # 6 vs 7: one fine step
    assert table.loc[0.9, "steps_apart"] == float("inf") and not table.loc[0.9, "agrees"]


def test_replayed_refinement_finds_the_dense_grids_threshold_with_fewer_runs():
    dense = refinement.dense_refinement([4, 8, 16, 32, 64], rounds=2, resolution=1.19)
    needs = {0: 11, 1: 13, 2: 13, 3: 12, 4: 13}  # seed -> smallest d at which it trains: d* = 13 at 1 - delta
    runs = dense_runs(dense, needs, lambda d, s: d >= needs[s])
    criteria = {"epsilons": [0.5], "metrics": ["train_acc"], "delta": 0.1}
    replayed = refinement.replay_refinement(runs, [4, 8, 16, 32, 64], 2, ["one_minus_delta"], criteria, 1.19)
    assert set(replayed["d"]) == {4, 8, 16, 32, 64, 11, 13} and len(replayed) < len(runs)
    found = refinement.grid_thresholds(success_table(replayed, [0.5], ["train_acc"]), ["one_minus_delta"], 0.1)
    assert found["d_level"].tolist() == [13.0]


def test_only_the_chosen_curves_are_refined():
    table = pd.concat(
        [
            success({0: 0.0, 4: 0.0, 8: 0.2, 16: 0.6, 32: 1.0}),
            success({0: 0.0, 4: 0.0, 8: 1.0, 16: 1.0, 32: 1.0}, epsilon=0.4),
        ]
    )
    chosen = refinement.chosen_curves(table, ["train_acc"], [0.4])
    assert set(chosen["epsilon"]) == {0.4}
    assert refinement.chosen_curves(table).equals(table)  # nothing chosen: every curve
    assert refinement.chosen_curves(table, ["test_acc"]).empty
    cells = refinement.refined_cells(chosen, ["one_minus_delta"], 0.1, 1.19, round_number=1)
    assert cells["d"].tolist() == [6] and cells["reasons"].tolist() == ["train_acc@0.4/one_minus_delta"]


def test_required_cells_are_the_reference_threshold_and_the_fine_d_below_it():
    reference = pd.concat(
        [
            success({0: 0.0, 4: 0.0, 5: 0.0, 6: 0.2, 7: 1.0, 8: 1.0}),  # 1 - delta at 7, 1/2 at 7
            success({0: 0.0, 4: 0.0, 5: 1.0, 6: 1.0, 7: 1.0, 8: 1.0}, epsilon=0.4),  # at 5: needs 5 (4 is on the grid)
            success({0: 1.0, 4: 1.0, 5: 1.0, 6: 1.0, 7: 1.0, 8: 1.0}, epsilon=0.3),  # the start succeeds: nothing
        ]
    )
    cells = refinement.required_cells(reference, [4, 8], ["one_minus_delta", "half"], 0.1)
    assert sorted(cells["d"]) == [5, 6, 7] and set(cells["t0"]) == {0}
    assert refinement.required_cells(reference, [4, 5, 6, 7, 8], ["half"], 0.1).empty


def test_replay_refines_only_the_chosen_curves():
    dense = refinement.dense_refinement([4, 8, 16], rounds=1, resolution=1.19)
    runs = dense_runs(dense, range(3), lambda d, s: 0.5 * (d >= 6) + 0.4 * (d >= 11))  # 0.5: (4, 8), 0.9: (8, 16)
    criteria = {"epsilons": [0.5, 0.9], "metrics": ["train_acc"], "delta": 0.1}
    both = refinement.replay_refinement(runs, [4, 8, 16], 1, ["one_minus_delta"], criteria, 1.19)
    one = refinement.replay_refinement(
        runs, [4, 8, 16], 1, ["one_minus_delta"], {**criteria, "refine": {"epsilons": [0.9]}}, 1.19
    )
    assert set(both["d"]) == {4, 6, 8, 11, 16} and set(one["d"]) == {4, 8, 11, 16}
