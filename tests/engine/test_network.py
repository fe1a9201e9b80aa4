"""Restoring a network from a checkpoint: weights and BatchNorm statistics, the same network for every stage."""

import pytest
import torch

from dof.config import BurnInConfig, HessianConfig
from dof.engine.network import restore_network
from dof.engine.training import evaluate
from dof.stages.burn_in import burn_in_checkpoint
from dof.stages.spectra import checkpoint_spectrum, hessian_subset
from dof.stages.subspace_runs import start_subspace
from dof.theory import hessian


@pytest.fixture(scope="module")
def resnet_checkpoint(tiny_data):
    return burn_in_checkpoint(tiny_data, "resnet20", seed=0, t0=8, config=BurnInConfig(batch_size=16))


def test_restored_network_reproduces_the_checkpoint_accuracy_with_its_batchnorm_statistics(
    tiny_data, resnet_checkpoint
):
    model = restore_network(resnet_checkpoint, tiny_data)
    assert not model.training
    loss, acc = evaluate(model, tiny_data.x_train, tiny_data.y_train)
    assert loss == pytest.approx(resnet_checkpoint["train_loss"], abs=1e-6) and acc == resnet_checkpoint["train_acc"]
    without = restore_network({**resnet_checkpoint, "buffers": {}}, tiny_data)
    assert abs(evaluate(without, tiny_data.x_train, tiny_data.y_train)[0] - loss) > 1e-3  # the statistics matter


def test_hessian_stage_sees_the_same_network_as_the_subspace_run_start(tiny_data, resnet_checkpoint):
    """The bug this guards: the Hessian stage rebuilt ResNet20 without the checkpoint's BatchNorm statistics."""
    x, y = hessian_subset(tiny_data, 40, seed=0)
    subspace, _ = start_subspace(tiny_data, resnet_checkpoint, 4, "fastfood")
    subspace.eval()
    with torch.no_grad():
        start_loss = float(torch.nn.functional.cross_entropy(subspace(x), y))
        model = restore_network(resnet_checkpoint, tiny_data)
        hessian_loss = float(hessian.loss_fn(model, x, y)(resnet_checkpoint["theta"]))
    assert hessian_loss == pytest.approx(start_loss, abs=1e-6)
    settings = dict(n_examples=40, lanczos_iterations=4, top_k=2, slq_probes=1, slq_iterations=2, seed=0)
    row = checkpoint_spectrum(tiny_data, resnet_checkpoint, HessianConfig(**settings)).iloc[0]
    assert row["subset_loss"] == pytest.approx(start_loss, abs=1e-6)


def test_a_checkpoint_of_another_size_is_refused(tiny_data, resnet_checkpoint):
    with pytest.raises(ValueError, match="weights"):
        restore_network({**resnet_checkpoint, "model": "conv2"}, tiny_data)
