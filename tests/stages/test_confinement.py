"""The confinement stage: the trajectory reproduces the burn-in checkpoints; rows per k with k = C added."""

import numpy as np
import pytest
import torch

from dof.config import BurnInConfig, ConfinementConfig
from dof.stages import confinement
from dof.stages.burn_in import burn_in_checkpoint
from dof.validation import check_grid

SETTINGS = ConfinementConfig(ks=(1, 2), n_examples=48, lanczos_iterations=12)


def test_trajectory_points_are_the_burn_in_checkpoints(tiny_data):
    points, status = confinement.trajectory_points(tiny_data, "conv2", 0, [0, 3], BurnInConfig(batch_size=16))
    assert [p["t0"] for p in points] == [0, 3] and status == "ok"
    for point in points:
        checkpoint = burn_in_checkpoint(tiny_data, "conv2", 0, point["t0"], BurnInConfig(batch_size=16))
        torch.testing.assert_close(point["theta"], checkpoint["theta"])


def test_a_diverged_trajectory_is_recorded_as_diverged(tiny_data):
    sgd = BurnInConfig(batch_size=16, lr=1e12)
    points, status = confinement.trajectory_points(tiny_data, "conv2", 0, [0, 50], sgd)
    assert status == "diverged" and [p["t0"] for p in points] == [0]
    rows = confinement.trajectory_confinement(tiny_data, "conv2", 0, [0, 50], sgd, SETTINGS)
    assert rows["step"].eq(0).all() and rows["status"].eq("diverged").all()


def test_rows_per_k_with_the_number_of_classes(tiny_data):
    checkpoint = burn_in_checkpoint(tiny_data, "conv2", 1, 2, BurnInConfig(batch_size=16))
    rows = confinement.checkpoint_confinement(tiny_data, checkpoint, SETTINGS)
    assert list(rows["k"]) == [1, 2, 3]  # C = 3 added
    assert rows["source"].eq("burn_in").all() and rows["step"].eq(2).all()
    assert (np.diff(rows["overlap"]) >= -1e-9).all() and rows["overlap"].between(0, 1 + 1e-9).all()
    assert rows["random_overlap"].to_numpy() == pytest.approx(np.array([1, 2, 3]) / checkpoint["n_params"])
    assert rows["lambda_max"].nunique() == 1 and rows["lambda_max"].iloc[0] > 0
    trajectory = confinement.trajectory_confinement(
        tiny_data, "conv2", 1, [0, 2], BurnInConfig(batch_size=16), SETTINGS
    )
    same = trajectory[trajectory["step"] == 2].reset_index(drop=True)
    np.testing.assert_allclose(same["overlap"], rows["overlap"], rtol=1e-5, atol=1e-7)
    assert set(rows["source"]) | set(trajectory["source"]) == set(confinement.SOURCES)
    assert len(trajectory) == 6 and trajectory["status"].eq("ok").all()


def test_config_refuses_more_k_than_lanczos_steps():
    config = {"experiment": "x", "datasets": ["digits"], "models": ["conv2"], "subspace": {"dims": [8], "seeds": [0]}}
    assert check_grid({**config, "confinement": {"enabled": True, "ks": [1, 30], "lanczos_iterations": 30}})
    with pytest.raises(ValueError, match=r"confinement\.ks: k up to 30"):
        check_grid({**config, "confinement": {"enabled": True, "ks": [1, 30], "lanczos_iterations": 20}})


def test_config_refuses_more_confinement_seeds_than_subspace_seeds():
    config = {"experiment": "x", "datasets": ["digits"], "models": ["conv2"], "subspace": {"dims": [8], "seeds": [0]}}
    assert check_grid({**config, "confinement": {"enabled": True, "n_seeds": 1}})
    with pytest.raises(ValueError, match=r"confinement\.n_seeds: 2 .* only 1"):
        check_grid({**config, "confinement": {"enabled": True, "n_seeds": 2}})
