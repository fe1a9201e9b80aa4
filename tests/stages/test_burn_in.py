"""Burn-in checkpoints: deterministic, guarded against non-finite losses, and runs from a diverged one not trained."""

import math
from dataclasses import replace

import pytest
import torch

from dof.config import BurnInConfig, SubspaceConfig
from dof.engine.models import build_model
from dof.engine.network import restore_network
from dof.stages.burn_in import StartPoint, burn_in_checkpoint
from dof.stages.subspace_runs import run_subspaces


def test_burn_in_checkpoint_is_deterministic_and_moves(tiny_data):
    config = BurnInConfig(batch_size=16)
    a = burn_in_checkpoint(tiny_data, "conv2", seed=0, t0=4, config=config)
    b = burn_in_checkpoint(tiny_data, "conv2", seed=0, t0=4, config=config)
    start = burn_in_checkpoint(tiny_data, "conv2", seed=0, t0=0, config=config)
    assert torch.equal(a["theta"], b["theta"]) and a["status"] == "ok" and a["burn_in_steps"] == 4
    assert not torch.equal(a["theta"], start["theta"])
    assert a["n_params"] == a["theta"].numel()


def test_a_diverging_burn_in_is_recorded_and_its_runs_are_not_trained(tiny_data):
    diverged = burn_in_checkpoint(tiny_data, "conv2", seed=0, t0=6, config=BurnInConfig(lr=1e30, batch_size=16))
    assert diverged["status"] == "diverged" and diverged["burn_in_steps"] < 6
    assert torch.isfinite(diverged["theta"]).all()  # the last finite weights, never a NaN checkpoint
    fine = burn_in_checkpoint(tiny_data, "conv2", seed=1, t0=6, config=BurnInConfig(batch_size=16))
    runs = run_subspaces(tiny_data, [diverged, fine], 8, SubspaceConfig(batch_size=16, epochs=1), {})
    by_seed = runs.set_index("seed")
    assert by_seed.loc[0, "status"] == "burn_in_diverged" and by_seed.loc[0, "steps"] == 0
    assert math.isnan(by_seed.loc[0, "train_acc"])
    assert by_seed.loc[1, "status"] == "ok" and by_seed.loc[1, "steps"] > 0
    assert list(runs.columns) == list(
        run_subspaces(tiny_data, [fine], 8, SubspaceConfig(batch_size=16, epochs=1), {}).columns
    )


def test_a_start_with_a_new_head_takes_the_seeded_init_for_it_and_records_the_keys(tiny_data):
    source = build_model("conv2", tiny_data.input_shape, 7, seed=123)  # a head for 7 classes, the target has 3
    start = StartPoint("tuned", source.state_dict(), "0" * 64, reinit=("classifier.*",))
    tuned = burn_in_checkpoint(tiny_data, "conv2", seed=1, t0=0, config=BurnInConfig(), start=start)
    init = burn_in_checkpoint(tiny_data, "conv2", seed=1, t0=0, config=BurnInConfig())
    network = restore_network(tuned, tiny_data)
    theta_0 = restore_network(init, tiny_data)
    assert torch.equal(network.classifier.weight, theta_0.classifier.weight)  # the init start's head, same seed
    assert torch.equal(network.features[0].weight, source.features[0].weight)  # the body from the checkpoint
    assert tuned["start_reinit"] == "classifier.weight,classifier.bias" and init["start_reinit"] is None
    [run] = run_subspaces(tiny_data, [tuned], 4, SubspaceConfig(batch_size=16, epochs=1), {}).to_dict("records")
    assert run["start"] == "tuned" and run["start_reinit"] == "classifier.weight,classifier.bias"
    with pytest.raises(ValueError, match=r"'fc2\.\*' matches no key .*'classifier\.weight'"):
        burn_in_checkpoint(tiny_data, "conv2", 1, 0, BurnInConfig(), replace(start, reinit=("fc2.*",)))
    with pytest.raises(ValueError, match=r"does not fit the model: classifier\.weight: \(7, 288\) in the file"):
        burn_in_checkpoint(tiny_data, "conv2", 1, 0, BurnInConfig(), replace(start, reinit=("classifier.bias",)))
