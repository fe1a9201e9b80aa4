"""Two devices' tables compared (dof.analysis.device_check): matched rows, status mismatches, value differences."""

import math

import pandas as pd
import pytest

from dof.analysis.device_check import compare_results, table_differences


def runs(acc, status=("ok", "ok")):
    return pd.DataFrame({"t0": [0, 0], "d": [8, 16], "seed": [0, 0], "status": list(status), "train_acc": acc})


def test_equal_tables_differ_by_nothing_and_nan_in_both_counts_as_equal():
    same = table_differences(runs([0.5, math.nan]), runs([0.5, math.nan]), ("t0", "d", "seed"), ("train_acc",))
    assert same == {"rows": 2, "only_one": 0, "status_mismatches": 0, "train_acc_max": 0.0, "train_acc_median": 0.0}


def test_differences_rows_statuses_and_values_are_counted():
    left, right = runs([0.5, 0.7]), runs([0.5, 0.4], status=("ok", "diverged"))
    right.loc[2] = [4, 8, 0, "ok", 0.9]  # a row only the right table holds
    found = table_differences(left, right, ("t0", "d", "seed"), ("train_acc",))
    assert found["only_one"] == 1 and found["status_mismatches"] == 1
    assert found["train_acc_max"] == pytest.approx(0.3) and found["train_acc_median"] == pytest.approx(0.15)


def test_compare_results_reads_each_table_of_two_folders(tmp_path):
    for name, acc in (("a", [0.5, 0.6]), ("b", [0.5, 0.65])):
        (tmp_path / name).mkdir()
        runs(acc).assign(dataset="x", model="m", start="init").to_parquet(tmp_path / name / "runs.parquet")
    table = compare_results(str(tmp_path / "a"), str(tmp_path / "b"), tables=["runs.parquet"])
    assert table.loc[0, "train_acc_max"] == pytest.approx(0.05) and table.loc[0, "only_one"] == 0
