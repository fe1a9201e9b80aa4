import dataclasses

import torch

from dof import experiment, records
from dof.training import BurnInConfig, SubspaceConfig, config_from, minibatches, steps_per_epoch


def test_minibatches_are_seeded_permutations():
    a = [next(b) for b in [minibatches(10, 4, seed=1)] for _ in range(3)]
    b = [next(g) for g in [minibatches(10, 4, seed=1)] for _ in range(3)]
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert sorted(torch.cat(a).tolist()) == list(range(10))
    assert [len(x) for x in a] == [4, 4, 2]
    assert steps_per_epoch(10, 4) == 3


def test_burn_in_checkpoint_is_deterministic_and_moves(tiny_data):
    config = BurnInConfig(batch_size=16)
    a = experiment.pretrain(tiny_data, "conv2", seed=0, t0=4, config=config)
    b = experiment.pretrain(tiny_data, "conv2", seed=0, t0=4, config=config)
    start = experiment.pretrain(tiny_data, "conv2", seed=0, t0=0, config=config)
    assert torch.equal(a["theta"], b["theta"])
    assert not torch.equal(a["theta"], start["theta"])
    assert a["n_params"] == a["theta"].numel()


def run(tiny_data, dim=8, lr=0.05, seed=0, t0=2):
    checkpoint = experiment.pretrain(tiny_data, "conv2", seed=seed, t0=t0, config=BurnInConfig(batch_size=16))
    config = SubspaceConfig(lr=lr, batch_size=16, epochs=2)
    return experiment.run_subspaces(tiny_data, [checkpoint], dim, "dense", config, {"lr": lr})


def test_same_seed_same_metrics(tiny_data):
    a, b = run(tiny_data), run(tiny_data)
    columns = ["train_loss", "train_acc", "test_loss", "test_acc", "subspace_seed", "batch_seed", "phi_norm"]
    assert a[columns].equals(b[columns])
    assert a.loc[0, "status"] == "ok" and a.loc[0, "steps"] == 2 * steps_per_epoch(64, 16)


def test_subspace_training_learns_and_more_dimensions_help(tiny_data):
    small, large = run(tiny_data, dim=1, t0=0), run(tiny_data, dim=256, t0=0)
    assert large.loc[0, "train_acc"] > 0.8
    assert large.loc[0, "train_loss"] < small.loc[0, "train_loss"]


def test_divergence_is_recorded_not_raised(tiny_data):
    row = run(tiny_data, lr=1e30).iloc[0]
    assert row["status"] == "diverged"
    assert row["train_acc"] != row["train_acc"]  # NaN


def test_run_records_provenance(tiny_data):
    row = run(tiny_data).iloc[0]
    for column in records.RUN_COLUMNS:
        assert column in row.index, column
    assert row["n_params"] == 20_490 - 7 * 7 * 32 * 10 - 10 + 3 * 3 * 32 * 3 + 3  # conv2 on 12x12, 3 classes


def test_config_from_ignores_grid_keys():
    config = config_from(SubspaceConfig, {"lr": 0.1, "dims": [1, 2], "epochs": 2})
    assert dataclasses.asdict(config)["lr"] == 0.1 and config.epochs == 2
