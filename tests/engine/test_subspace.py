import pytest
import torch
from torch.nn import functional as F

from dof.engine.models import build_model
from dof.engine.projections import make_projection
from dof.engine.subspace import AffineSubspace, ParamLayout, flatten_params, load_flat_params


@pytest.fixture
def subspace(tiny_data):
    model = build_model("conv2", tiny_data.input_shape, tiny_data.n_classes, seed=0)
    theta = flatten_params(model)
    return AffineSubspace(model, theta, make_projection("dense", theta.numel(), 16, seed=5))


def test_theta_is_the_start_point_at_phi_zero(subspace, tiny_data):
    phi = torch.zeros(16)
    assert torch.equal(subspace.theta(phi), subspace.theta_start)
    assert torch.allclose(subspace.forward(tiny_data.x_train, phi), subspace.model(tiny_data.x_train), atol=1e-6)


def test_gradient_in_phi_is_a_transpose_times_full_gradient(subspace, tiny_data):
    x, y = tiny_data.x_train, tiny_data.y_train
    phi = (0.1 * torch.randn(16)).requires_grad_(True)
    F.cross_entropy(subspace.forward(x, phi), y).backward()
    # full-space gradient at the same point theta(phi)
    model = subspace.model
    load_flat_params(model, subspace.theta(phi.detach()))
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    full_grad = torch.cat([p.grad.reshape(-1) for p in model.parameters()])
    expected = subspace.projection.matrix.T @ full_grad
    assert torch.allclose(phi.grad, expected, rtol=1e-4, atol=1e-6)


def test_layout_round_trip(tiny_data):
    model = build_model("fc", tiny_data.input_shape, tiny_data.n_classes, seed=1)
    layout = ParamLayout.of(model)
    theta = flatten_params(model)
    params = layout.unflatten(theta)
    for name, p in model.named_parameters():
        assert torch.equal(params[name], p)


def test_mismatched_projection_is_refused(tiny_data):
    model = build_model("fc", tiny_data.input_shape, tiny_data.n_classes, seed=1)
    theta = flatten_params(model)
    with pytest.raises(ValueError, match="projection"):
        AffineSubspace(model, theta, make_projection("dense", theta.numel() + 1, 4, seed=0))
