"""Supermasks: masks over frozen weights, trained through their scores alone, on the tiny synthetic dataset."""

import pytest
import torch

from dof.config import BurnInConfig, SubspaceConfig, SupermaskConfig
from dof.engine.network import restore_network
from dof.engine.subspace import ParamLayout
from dof.stages.burn_in import burn_in_checkpoint
from dof.stages.lottery_supermasks import Supermask, initial_scores, layer_counts, signed_constant, supermasks

FAST = SubspaceConfig(epochs=1, batch_size=32)
VARIANTS = [
    SupermaskConfig(),
    SupermaskConfig(scope="global"),
    SupermaskConfig(estimator="bernoulli", lr=10.0),
    SupermaskConfig(signed_constant=True, rescale="none"),
]


@pytest.fixture(scope="module")
def theta_0(tiny_data):
    return burn_in_checkpoint(tiny_data, "conv2", 3, 0, BurnInConfig())


@pytest.mark.parametrize("config", VARIANTS[:3])
def test_a_mask_at_fraction_one_reproduces_the_frozen_network_exactly(tiny_data, theta_0, config):
    model = restore_network(theta_0, tiny_data)
    frozen = model(tiny_data.x_test).detach()
    supermask = Supermask(model, theta_0["theta"], 1.0, config)
    scores = initial_scores(supermask.layout, config.estimator, 1.0, seed=0)
    mask = supermask.train_mask(scores, torch.Generator().manual_seed(0))
    assert torch.equal(mask.detach(), torch.ones_like(mask))
    assert torch.equal(supermask.forward(tiny_data.x_test, mask).detach(), frozen)
    assert torch.equal(supermask.logits_at(supermask.hard_mask(scores))(tiny_data.x_test), frozen)


@pytest.mark.parametrize("config", VARIANTS)
def test_gradients_reach_the_scores_and_never_the_weights(tiny_data, theta_0, config):
    model = restore_network(theta_0, tiny_data)
    weights = theta_0["theta"].clone().requires_grad_(True)
    supermask = Supermask(model, weights, 0.3, config)
    scores = initial_scores(supermask.layout, config.estimator, 0.3, seed=1).requires_grad_(True)
    logits = supermask.forward(tiny_data.x_train, supermask.train_mask(scores, torch.Generator().manual_seed(0)))
    torch.nn.functional.cross_entropy(logits, tiny_data.y_train).backward()
    assert scores.grad is not None and scores.grad.abs().sum() > 0
    assert weights.grad is None and all(p.grad is None for p in model.parameters())


@pytest.mark.parametrize("fraction", [1.0, 0.5, 0.1, 0.01, 0.001, 1e-6])
@pytest.mark.parametrize("scope", ["layer", "global"])
def test_the_kept_count_is_round_f_d(tiny_data, theta_0, fraction, scope):
    model = restore_network(theta_0, tiny_data)
    n_params = ParamLayout.of(model).n_params
    supermask = Supermask(model, theta_0["theta"], fraction, SupermaskConfig(scope=scope))
    mask = supermask.hard_mask(initial_scores(supermask.layout, "edge_popup", fraction, seed=2))
    assert int(mask.sum()) == max(1, round(fraction * n_params)) == supermask.kept
    assert set(mask.unique().tolist()) <= {0.0, 1.0}


def test_layer_counts_are_proportional_and_exact():
    assert layer_counts(10, [50, 30, 20]) == [5, 3, 2]
    assert layer_counts(1, [3, 3, 3]) == [1, 0, 0]
    assert sum(layer_counts(7, [144, 16, 4608, 32, 1440, 10])) == 7


def test_signed_constant_keeps_signs_and_biases(tiny_data, theta_0):
    layout = ParamLayout.of(restore_network(theta_0, tiny_data))
    theta = theta_0["theta"]
    constant = signed_constant(theta, layout)
    assert torch.equal(torch.sign(constant), torch.sign(theta))
    for piece, original, shape in zip(
        torch.split(constant, [s.numel() for s in layout.shapes]),
        torch.split(theta, [s.numel() for s in layout.shapes]),
        layout.shapes,
    ):
        if len(shape) >= 2:
            torch.testing.assert_close(piece.abs(), torch.full_like(piece, float(original.std())))
        else:
            assert torch.equal(piece, original)


@pytest.mark.parametrize("config", [SupermaskConfig(steps=6), SupermaskConfig(estimator="bernoulli", steps=6)])
def test_supermask_rows_keep_the_weights_frozen(tiny_data, theta_0, config):
    fractions = (1.0, 0.1, 0.01)
    rows = supermasks(tiny_data, theta_0, config, fractions, FAST, run_config={})
    n_params = int(theta_0["n_params"])
    assert rows["method"].eq("supermask").all() and rows["status"].eq("ok").all()
    assert rows["kept_fraction"].tolist() == list(fractions)
    assert rows["d"].tolist() == [max(1, round(f * n_params)) for f in fractions]
    assert rows["estimator"].eq(config.estimator).all() and (rows["projection"] == "supermask").all()
    assert rows["steps"].eq(6).all() and rows["test_acc"].between(0, 1).all()
    with pytest.raises(ValueError, match="t0=8"):
        supermasks(tiny_data, {**theta_0, "t0": 8}, config, fractions, FAST, run_config={})
