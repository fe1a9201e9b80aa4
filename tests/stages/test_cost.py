"""The cost projection (dof.stages.cost): the grid arithmetic on given timings, stand-in data, one tiny measured
grid, the benchmark files it is checked against, and subspace.dense_memory_mb (stored or regenerated A, same run)."""

import math
import time

import pandas as pd
import pytest
import torch

from dof.config import ExperimentConfig, SubspaceConfig, from_mapping
from dof.engine.data import load_dataset
from dof.stages import cost
from dof.stages.burn_in import burn_in_checkpoint
from dof.stages.subspace_runs import start_subspace

TINY = {
    "experiment": "tiny",
    "datasets": ["digits"],
    "models": ["fc"],
    "burn_in": {"t0": [0, 2]},
    "subspace": {"dims": [1, 8], "seeds": [0, 1, 2], "seeds_per_job": 2, "epochs": 1},
    "thresholds": {"epsilons": [0.5]},
}


def test_merged_overrides_nested_keys_and_keeps_the_others():
    base = {"experiment": "a", "subspace": {"dims": [1], "seeds": [0]}}
    assert cost.merged(base, {"subspace": {"dims": [2]}}) == {
        "experiment": "a",
        "subspace": {"dims": [2], "seeds": [0]},
    }


def test_project_multiplies_the_timings_by_the_grid():
    experiment = from_mapping(ExperimentConfig, TINY)
    stored = {1: (1.0, 0.0), 8: (8.0, 0.7)}  # build 1 s per column; forward + backward 0.1 s per column above d = 1
    cell = {
        "n_params": 100,
        "step_s": {1: 0.5, 2: 0.25},
        "eval_example_s": 0.001,
        "projection": {"stored": stored, "chunked": {64: (0.0, 6.4)}},
        "projection_at_lo": stored[1],
        "full_step_s": 2.0,
        "full_eval_example_s": 0.002,
    }
    n_train, n_test = 1400, 397
    table = cost.project(
        experiment, {("digits", "fc"): cell}, {"digits": (n_train, n_test)}, {"startup": 3.0, "digits": 1.0}
    )
    row = table.iloc[0]
    steps = math.ceil(n_train / 128)
    assert row["runs"] == 2 * 2 * 3 and row["steps_per_run"] == steps
    runs = {d: d * 1.0 + steps * (0.5 + 0.1 * (d - 1)) + (n_train + n_test) * 0.001 for d in (1, 8)}
    jobs = 2 * 2 * 2  # t0 x d x chunks
    assert row["subspace_s"] == pytest.approx(2 * 3 * sum(runs.values()) + jobs * 4.0)
    assert row["best_vmap_runs"] == 2 and row["subspace_best_s"] < row["subspace_s"]
    eval_pass = (n_train + n_test) * 0.002
    assert row["burn_in_s"] == pytest.approx(3 * (0 + 2 * 2.0 + 2 * eval_pass) + 4 * 4.0)
    assert row["baseline_s"] == 0 and row["total_s"] == pytest.approx(row["subspace_s"] + row["burn_in_s"])
    # a budget below A's size regenerates A: forward + backward proportional to d from the timed 64 columns
    chunked = cost.project(experiment, {("digits", "fc"): cell}, {"digits": (n_train, n_test)},
                           {"startup": 3.0, "digits": 1.0}, dense_memory_mb=1e-9)  # fmt: skip
    regenerated = {d: steps * (0.5 + 0.1 * d - 0.0) + (n_train + n_test) * 0.001 for d in (1, 8)}
    assert chunked.iloc[0]["subspace_s"] == pytest.approx(2 * 3 * sum(regenerated.values()) + jobs * 4.0)


def test_stand_in_has_the_real_shapes_where_the_files_are_absent(tmp_path, monkeypatch):
    monkeypatch.setitem(cost.STAND_INS, "svhn", ((3, 32, 32), 300, 100, 10))
    data, real = cost.stand_in("svhn", {"root": str(tmp_path), "download": False})
    assert not real and data.x_train.shape == (300, 3, 32, 32) and data.x_test.shape == (100, 3, 32, 32)
    assert int(data.y_train.max()) < 10 and data.n_classes == 10
    assert cost.stand_in("digits", {})[1]


def test_measure_times_a_tiny_grid_through_the_stage_code():
    experiment = from_mapping(ExperimentConfig, TINY)
    cells, sizes, overhead, real = cost.measure(experiment, "cpu", [2], budget_s=0.01, max_steps=2, log=lambda _: None)
    cell = cells["digits", "fc"]
    assert set(cell["step_s"]) == {1, 2} and all(t > 0 for t in cell["step_s"].values())
    assert sizes["digits"] == (1400, 397) and real == {"digits": True} and overhead["startup"] > 0
    table = cost.project(experiment, cells, sizes, overhead)
    assert table["total_s"].iloc[0] > 0 and table["runs"].iloc[0] == 12
    jobs = cost.job_seconds(experiment, cell, sizes["digits"], 1.0)
    assert len(jobs.query("rule == 'train_subspaces'")) == 2 * 2 * 2 and len(jobs.query("rule == 'burn_in'")) == 4


def test_benchmark_seconds_reads_the_rule_and_grid_from_the_paths(tmp_path):
    for rule, folder in (("burn_in", "t0_4"), ("train_subspaces", "t0_4/d_16")):
        path = tmp_path / "benchmarks" / rule / "mnist5k" / "conv2" / folder / "seeds_0-1.tsv"
        path.parent.mkdir(parents=True)
        path.write_text("s\th:m:s\tmax_rss\tcpu_time\n12.5\t0:00:12\t100\t6.5\n")
    table = cost.benchmark_seconds(tmp_path).set_index("rule")
    assert table.loc["train_subspaces", "d"] == 16 and table.loc["burn_in", "d"] == 0
    assert table["wall_s"].tolist() == [12.5, 12.5] and table["cpu_s"].tolist() == [6.5, 6.5]
    assert (table["t0"] == 4).all()


def test_dense_memory_mb_regenerates_a_larger_a_with_the_same_run():
    data = load_dataset("digits", n_train=200)
    checkpoint = burn_in_checkpoint(data, "fc", 0, 0, from_mapping(ExperimentConfig, TINY).burn_in)
    config = SubspaceConfig(dims=(40,), seeds=(0,))
    stored, _ = start_subspace(data, checkpoint, 40, "dense", dense_memory_mb=config.dense_memory_mb)
    regenerated, _ = start_subspace(data, checkpoint, 40, "dense", dense_memory_mb=1)  # D x 40 floats > 1 MiB
    assert stored.subspace.projection.mode == "stored" and regenerated.subspace.projection.mode == "chunked"
    phi = torch.randn(40, generator=torch.Generator().manual_seed(0))
    assert torch.equal(stored.subspace.projection(phi), regenerated.subspace.projection(phi))
    assert isinstance(pd.DataFrame([stored.describe()]), pd.DataFrame)


def test_load_note_warns_only_when_other_processes_load_the_cores():
    idle, loaded = cost.load_note([0.9, 1.1], cores=2), cost.load_note([1.2, 3.6], cores=2)
    assert not idle[1] and "WARNING" not in idle[0] and "0.90 .. 1.10 on 2 cores" in idle[0]
    assert loaded[1] and "WARNING: the machine was loaded (2.60 other processes on 2 cores)" in loaded[0]
    assert "inflated" in loaded[0]


def test_sampled_load_samples_while_the_block_runs():
    with cost.sampled_load(interval_s=0.05) as samples:
        time.sleep(0.3)
    assert len(samples) >= 4 and all(sample >= 0 for sample in samples)
