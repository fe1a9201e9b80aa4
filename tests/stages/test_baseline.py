"""The full-model baseline: its own optimiser, trained to convergence, and a status that flags a network that never
trained (issue 17)."""

import math

import pandas as pd
import pytest

from dof.analysis import thresholds
from dof.analysis.plotting import full_model_accuracy
from dof.config import BaselineConfig, BurnInConfig
from dof.engine.data import load_mnist5k
from dof.engine.network import restore_network
from dof.stages.baseline import BASELINE_STATUS, baseline_status, baseline_table, train_baseline
from dof.stages.burn_in import StartPoint, burn_in_checkpoint

TRAINED = {"train_loss": 0.05, "train_acc": 0.99, "test_loss": 0.2, "test_acc": 0.95}


def test_status_is_ok_only_for_a_finite_loss_and_accuracies_clear_of_chance():
    assert baseline_status(TRAINED, "ok", 10, 0.1) == ("ok", "")
    status, reason = baseline_status({**TRAINED, "train_acc": 0.116, "test_acc": 0.12}, "ok", 10, 0.1)
    assert status == "not_trained" and "train accuracy 0.116" in reason and "chance (0.1)" in reason
    assert baseline_status({**TRAINED, "test_acc": 0.19}, "ok", 10, 0.1)[0] == "not_trained"
    assert baseline_status({**TRAINED, "train_acc": 0.21, "test_acc": 0.21}, "ok", 10, 0.1)[0] == "ok"
    assert baseline_status({**TRAINED, "train_acc": 0.5, "test_acc": 0.5}, "ok", 2, 0.1)[0] == "not_trained"
    assert baseline_status(TRAINED, "diverged", 10, 0.1)[0] == "diverged"
    assert baseline_status({**TRAINED, "test_loss": math.inf}, "ok", 10, 0.1)[0] == "diverged"
    status, reason = baseline_status({**TRAINED, "train_acc": 0.35, "train_loss": 1.3e10}, "ok", 10, 0.1)
    assert status == "not_trained" and "train loss 1.3e+10" in reason
    nan = float("nan")
    assert baseline_status({**TRAINED, "train_acc": nan}, "ok", 10, 0.1)[0] == "not_trained"


@pytest.fixture(scope="module")
def mnist_subset():
    """1,000 of mnist5k's training digits: the default baseline optimiser at a quarter of the data."""
    return load_mnist5k(n_train=1000)


def test_a_baseline_that_never_trained_is_flagged_and_the_table_records_the_optimiser(mnist_subset):
    """The issue's failure: LeNet under the subspace runs' Adam lr 0.05 stays at chance; FC under an absurd lr blows
    its loss up to ~1e13 at an accuracy above chance."""
    lenet = burn_in_checkpoint(mnist_subset, "lenet", 0, 0, BurnInConfig())
    fc = burn_in_checkpoint(mnist_subset, "fc", 0, 0, BurnInConfig())
    trained = [
        train_baseline(mnist_subset, lenet, BaselineConfig(lr=0.05, epochs=1)),
        train_baseline(mnist_subset, fc, BaselineConfig(lr=1000.0, epochs=1)),
    ]
    table = baseline_table(trained, chance_margin=0.1).set_index("model")
    assert set(table["status"]) <= set(BASELINE_STATUS)
    assert table.loc["lenet", "status"] == "not_trained" and "of chance (0.1)" in table.loc["lenet", "status_reason"]
    assert table.loc["fc", "status"] == "not_trained" and "train loss" in table.loc["fc", "status_reason"]
    assert list(table["optimizer"]) == ["adam", "adam"] and list(table.loc[["lenet", "fc"], "lr"]) == [0.05, 1000.0]
    assert (table["epochs"] == 1).all() and (table["n_classes"] == 10).all() and (table["chance_margin"] == 0.1).all()


@pytest.mark.parametrize("model", ["fc", "lenet", "conv2"])
def test_the_default_baseline_trains_every_architecture_on_mnist5k(mnist_subset, model):
    start = burn_in_checkpoint(mnist_subset, model, 0, 0, BurnInConfig())
    baseline = train_baseline(mnist_subset, start, BaselineConfig())  # the defaults, on a quarter of the digits
    [row] = baseline_table([baseline]).to_dict("records")
    assert row["status"] == "ok" and row["lr"] == BaselineConfig().lr
    assert row["train_acc"] >= 0.95, row
    assert row["test_acc"] >= 0.85, row


def runs_and_baseline(statuses: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs of one network (d = 1, 2, 4) and a baseline of two seeds with the given statuses."""
    runs = pd.DataFrame(
        {
            "dataset": "x",
            "model": "m",
            "n_params": 100,
            "method": "random",
            "t0": 0,
            "d": [1, 2, 4],
            "seed": 0,
            "status": "ok",
            "test_acc": [0.1, 0.5, 0.95],
        }
    )
    baseline = pd.DataFrame(
        {
            "dataset": "x",
            "model": "m",
            "seed": [0, 1],
            "test_acc": [0.116, 0.96],
            "status": statuses,
            "status_reason": ["" if s == "ok" else f"it {s}" for s in statuses],
        }
    )
    return runs, baseline


def test_d_int90_is_null_with_a_reason_when_no_baseline_seed_trained():
    runs, baseline = runs_and_baseline(["not_trained", "diverged"])
    [row] = thresholds.d_int90_table(runs, baseline).to_dict("records")
    assert pd.isna(row["d_int90"]) and pd.isna(row["baseline_test_acc"])
    assert row["d_int90_status"] == "baseline_not_trained" and row["n_baseline_ok"] == 0
    assert "seed 0: not_trained (it not_trained)" in row["d_int90_reason"]
    [row] = thresholds.d_int90_table(*runs_and_baseline(["diverged", "diverged"])).to_dict("records")
    assert pd.isna(row["d_int90"]) and row["d_int90_status"] == "baseline_diverged"


def test_d_int90_uses_only_the_baseline_seeds_that_trained():
    runs, baseline = runs_and_baseline(["not_trained", "ok"])
    [row] = thresholds.d_int90_table(runs, baseline).to_dict("records")
    assert row["baseline_test_acc"] == pytest.approx(0.96) and row["n_baseline"] == 2 and row["n_baseline_ok"] == 1
    assert row["d_int90"] == 4 and row["d_int90_status"] == "ok" and row["d_int90_reason"] == ""
    runs["test_acc"] = [0.1, 0.2, 0.3]
    [row] = thresholds.d_int90_table(runs, baseline).to_dict("records")
    assert pd.isna(row["d_int90"]) and row["d_int90_status"] == "not_reached"
    table = thresholds.add_d_int90(runs[["dataset", "model", "n_params", "method", "t0"]].head(1), None, None)
    assert pd.isna(table.loc[0, "d_int90"]) and table.loc[0, "d_int90_status"] == "no_baseline"


def test_figures_omit_the_full_model_line_of_a_baseline_that_did_not_train():
    _, baseline = runs_and_baseline(["not_trained", "not_trained"])
    assert full_model_accuracy(baseline, "test_acc") is None
    assert full_model_accuracy(None, "test_acc") is None
    baseline.loc[1, "status"] = "ok"
    assert full_model_accuracy(baseline, "test_acc") == pytest.approx(0.96)


def test_d_int90_of_each_start_is_measured_against_full_fine_tuning_from_it():
    """Aghajanyan et al.'s d90: a pretrained start's curve against the baseline trained from that start."""
    runs, baseline = runs_and_baseline(["not_trained", "ok"])
    tuned = runs.assign(start="tuned", test_acc=[0.5, 0.6, 0.7])
    runs = pd.concat([runs.assign(start="init"), tuned, runs.assign(start="other")], ignore_index=True)
    baseline = pd.concat([baseline.assign(start="init"), baseline.assign(start="tuned", test_acc=[0.1, 0.6])])
    table = thresholds.d_int90_table(runs, baseline).set_index("start")
    assert table.loc["init", "baseline_start"] == "init" and table.loc["init", "d_int90"] == 4
    assert table.loc["tuned", "baseline_start"] == "tuned" and table.loc["tuned", "baseline_test_acc"] == 0.6
    assert table.loc["tuned", "d_int90"] == 2  # 0.6 >= 0.9 x 0.6, where init's reference would need d = 4
    assert pd.isna(table.loc["other", "baseline_start"]) and table.loc["other", "d_int90_status"] == "no_baseline"
    assert full_model_accuracy(baseline, "test_acc") == pytest.approx(0.96)  # figure 2's line: init's


def test_the_baseline_fine_tunes_a_checkpoint_start_and_records_it(tiny_data):
    source = burn_in_checkpoint(tiny_data, "conv2", 5, 0, BurnInConfig())
    state = restore_network(source, tiny_data).state_dict()
    start = StartPoint("tuned", state, "0" * 64, reinit=("classifier.*",))
    theta_0 = burn_in_checkpoint(tiny_data, "conv2", 0, 0, BurnInConfig(), start)
    config = BaselineConfig(epochs=1, batch_size=32)
    tuned, init = (
        train_baseline(tiny_data, point, config)
        for point in (theta_0, burn_in_checkpoint(tiny_data, "conv2", 0, 0, BurnInConfig()))
    )
    table = baseline_table([tuned, init]).set_index("start")
    assert list(table.index) == ["init", "tuned"] and table.loc["tuned", "seed"] == 0
    assert tuned["start_reinit"] == "classifier.weight,classifier.bias" and tuned["start_sha256"] == "0" * 64
    assert not tuned["theta"].equal(init["theta"])
