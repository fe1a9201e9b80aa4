"""The confinement stage's gradient share against answers known in closed form or from an explicit Hessian."""

import numpy as np
import pytest
import torch

from dof.engine.models import FullyConnected, init_lecun_normal_
from dof.engine.seeding import generator
from dof.engine.subspace import flatten_params
from dof.theory import confinement as theory
from dof.theory import hessian


@pytest.fixture(scope="module")
def tiny_net():
    """A 16-6-3 ReLU net in float64 (D = 123) on 48 random inputs: its gradient and explicit Hessian (torch.func)."""
    model = init_lecun_normal_(FullyConnected((1, 4, 4), 3, hidden=(6,)), seed=0).double()
    gen = generator(5)
    x = torch.randn(48, 1, 4, 4, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 3, (48,), generator=gen)
    theta = flatten_params(model).detach()
    loss = hessian.loss_fn(model, x, y)
    gradient = torch.func.grad(loss)(theta)
    h = torch.autograd.functional.hessian(loss, theta)
    return model, x, y, gradient, h


def test_gradient_overlap_with_an_explicit_hessians_eigenvectors(tiny_net):
    model, x, y, gradient, h = tiny_net
    dim = h.shape[0]
    _, vectors = torch.linalg.eigh(h)
    top = vectors.flip(1).T  # rows: eigenvectors by descending eigenvalue
    expected = {k: float(((top[:k] @ gradient) ** 2).sum() / (gradient @ gradient)) for k in (1, 3, 10)}
    # the Ritz vectors the confinement stage uses (hessian.top_eigenpairs; tests/theory/test_hessian.py checks them
    # against the same eigenvectors)
    _, ritz = hessian.top_eigenpairs(hessian.hvp_fn(model, x, y), dim, k=10, n_iter=dim, seed=0)
    found = theory.gradient_confinement(gradient, ritz, [1, 3, 10])
    for k in (1, 3, 10):
        assert found[k] == pytest.approx(expected[k], abs=1e-8)
    # the whole eigenbasis holds the whole gradient; a random k-dimensional subspace k / D on average
    assert theory.gradient_confinement(gradient, top, [dim])[dim] == pytest.approx(1.0)
    assert theory.random_fraction(10, dim) == pytest.approx(10 / dim)
    with pytest.raises(ValueError, match="k = 11"):
        theory.gradient_confinement(gradient, ritz, [11])


def test_gradient_confinement_of_a_constructed_gradient():
    # g = 3 v_0 + 1 v_1 + 2 v_5 in an orthonormal eigenbasis sorted by eigenvalue: f(1) = 9/14, f(2) = 10/14, f(5) =
    # 10/14, f(6) = 1
    gen = generator(3)
    basis, _ = torch.linalg.qr(torch.randn(12, 12, generator=gen, dtype=torch.float64))
    rows = basis.T
    gradient = 3 * rows[0] + rows[1] + 2 * rows[5]
    found = theory.gradient_confinement(gradient, rows, [1, 2, 5, 6])
    assert found == pytest.approx({1: 9 / 14, 2: 10 / 14, 5: 10 / 14, 6: 1.0})


def test_random_fraction_spread_matches_sampling():
    gen = generator(4)
    dim, k = 200, 10
    g = torch.randn(dim, generator=gen, dtype=torch.float64)
    fractions = []
    for _ in range(400):
        q, _ = torch.linalg.qr(torch.randn(dim, k, generator=gen, dtype=torch.float64))
        fractions.append(theory.subspace_fraction(g, q.T))
    assert np.mean(fractions) == pytest.approx(k / dim, rel=0.1)
    assert np.std(fractions) == pytest.approx(theory.random_fraction_spread(k, dim), rel=0.15)
