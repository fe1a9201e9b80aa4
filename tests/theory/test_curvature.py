"""Section curvature and gradient confinement against answers known in closed form or from an explicit Hessian."""

import math

import numpy as np
import pytest
import torch

from dof.engine.models import FullyConnected, init_lecun_normal_
from dof.engine.seeding import generator
from dof.engine.subspace import flatten_params
from dof.theory import curvature, hessian


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


def test_section_curvature_of_a_known_quadratic():
    # L = 1/2 theta^T H theta, H = diag(3, -1, 2, 0.5, -4, 1): along e_0 .. e_3 the section is diag(3, -1, 2, 0.5),
    # so tr = 4.5, ||.||_F = sqrt(9 + 1 + 4 + 0.25), 3 of 4 eigenvalues positive
    diag = torch.tensor([3.0, -1.0, 2.0, 0.5, -4.0, 1.0], dtype=torch.float64)
    directions = torch.eye(6, dtype=torch.float64)[:4]
    section = curvature.section_hessian(lambda v: diag * v, directions)
    torch.testing.assert_close(section, torch.diag(diag[:4]))
    measures = curvature.section_curvature(section)
    assert measures["section_trace"] == pytest.approx(4.5)
    assert measures["section_frobenius"] == pytest.approx(math.sqrt(14.25))
    assert measures["trace_over_frobenius"] == pytest.approx(4.5 / math.sqrt(14.25))
    assert measures["positive_fraction"] == pytest.approx(0.75)
    assert (measures["section_lambda_min"], measures["section_lambda_max"]) == pytest.approx((-1.0, 3.0))


def test_section_of_a_rotated_quadratic_is_basis_free():
    # A dense H = Q diag Q^T and directions A = R Q^T (R a d x d rotation): A H A^T = R diag R^T has the same trace and
    # Frobenius norm as diag, whatever R
    gen = generator(0)
    q, _ = torch.linalg.qr(torch.randn(8, 8, generator=gen, dtype=torch.float64))
    r, _ = torch.linalg.qr(torch.randn(3, 3, generator=gen, dtype=torch.float64))
    diag = torch.tensor([5.0, -2.0, 1.0, 0, 0, 0, 0, 0], dtype=torch.float64)
    h = q @ torch.diag(diag) @ q.T
    measures = curvature.section_curvature(curvature.section_hessian(lambda v: h @ v, r @ q.T[:3]))
    assert measures["trace_over_frobenius"] == pytest.approx(4.0 / math.sqrt(30.0))
    assert measures["positive_fraction"] == pytest.approx(2 / 3)


def test_gradient_overlap_with_an_explicit_hessians_eigenvectors(tiny_net):
    model, x, y, gradient, h = tiny_net
    dim = h.shape[0]
    _, vectors = torch.linalg.eigh(h)
    top = vectors.flip(1).T  # rows: eigenvectors by descending eigenvalue
    expected = {k: float(((top[:k] @ gradient) ** 2).sum() / (gradient @ gradient)) for k in (1, 3, 10)}
    # the Ritz vectors the confinement stage uses (hessian.top_eigenpairs; tests/theory/test_hessian.py checks them
    # against the same eigenvectors)
    _, ritz = hessian.top_eigenpairs(hessian.hvp_fn(model, x, y), dim, k=10, n_iter=dim, seed=0)
    found = curvature.gradient_confinement(gradient, ritz, [1, 3, 10])
    for k in (1, 3, 10):
        assert found[k] == pytest.approx(expected[k], abs=1e-8)
    # the whole eigenbasis holds the whole gradient; a random k-dimensional subspace k / D on average
    assert curvature.gradient_confinement(gradient, top, [dim])[dim] == pytest.approx(1.0)
    assert curvature.random_fraction(10, dim) == pytest.approx(10 / dim)
    with pytest.raises(ValueError, match="k = 11"):
        curvature.gradient_confinement(gradient, ritz, [11])


def test_gradient_confinement_of_a_constructed_gradient():
    # g = 3 v_0 + 1 v_1 + 2 v_5 in an orthonormal eigenbasis sorted by eigenvalue: f(1) = 9/14, f(2) = 10/14, f(5) =
    # 10/14, f(6) = 1
    gen = generator(3)
    basis, _ = torch.linalg.qr(torch.randn(12, 12, generator=gen, dtype=torch.float64))
    rows = basis.T
    gradient = 3 * rows[0] + rows[1] + 2 * rows[5]
    found = curvature.gradient_confinement(gradient, rows, [1, 2, 5, 6])
    assert found == pytest.approx({1: 9 / 14, 2: 10 / 14, 5: 10 / 14, 6: 1.0})


def test_random_fraction_spread_matches_sampling():
    gen = generator(4)
    dim, k = 200, 10
    g = torch.randn(dim, generator=gen, dtype=torch.float64)
    fractions = []
    for _ in range(400):
        q, _ = torch.linalg.qr(torch.randn(dim, k, generator=gen, dtype=torch.float64))
        fractions.append(curvature.subspace_fraction(g, q.T))
    assert np.mean(fractions) == pytest.approx(k / dim, rel=0.1)
    assert np.std(fractions) == pytest.approx(curvature.random_fraction_spread(k, dim), rel=0.15)
