import numpy as np
import pytest
import torch

from dof.engine.models import FullyConnected, init_lecun_normal_
from dof.engine.seeding import generator
from dof.engine.subspace import flatten_params
from dof.theory import hessian


@pytest.fixture(scope="module")
def tiny_problem():
    """A 16-8-8-3 ReLU net in float64 (D = 235) on 64 random inputs, its explicit Hessian and eigenvalues."""
    model = init_lecun_normal_(FullyConnected((1, 4, 4), 3, hidden=(8, 8)), seed=0).double()
    gen = generator(1)
    x = torch.randn(64, 1, 4, 4, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 3, (64,), generator=gen)
    h = hessian.explicit_hessian(model, x, y)
    return model, x, y, h, torch.linalg.eigvalsh(h).numpy()


def test_hvp_matches_explicit_hessian(tiny_problem):
    model, x, y, h, _ = tiny_problem
    assert h.shape == (235, 235) and torch.allclose(h, h.T, atol=1e-12)
    matvec = hessian.hvp_fn(model, x, y)
    v = torch.randn(h.shape[0], generator=generator(2), dtype=torch.float64)
    torch.testing.assert_close(matvec(v), h @ v, rtol=1e-10, atol=1e-12)
    theta = flatten_params(model) + 0.1 * torch.randn(h.shape[0], generator=generator(3), dtype=torch.float64)
    moved = hessian.explicit_hessian(model, x, y, theta)
    torch.testing.assert_close(hessian.hvp_fn(model, x, y, theta)(v), moved @ v, rtol=1e-10, atol=1e-12)
    assert matvec(v.float()).dtype == torch.float32  # returned in the caller's dtype


def test_lanczos_top_eigenvalues_match_eigvalsh(tiny_problem):
    model, x, y, h, exact = tiny_problem
    dim = h.shape[0]
    top = hessian.top_eigenvalues(hessian.hvp_fn(model, x, y), dim, k=5, n_iter=80, seed=0)
    np.testing.assert_allclose(top, exact[::-1][:5], rtol=1e-4)
    tri = hessian.lanczos(lambda v: h @ v, dim, 30, seed=0, keep_basis=True)
    assert tri.alphas.shape == (30,) and tri.betas.shape == (29,)
    q = tri.basis
    torch.testing.assert_close(q @ q.T, torch.eye(30, dtype=torch.float64), atol=1e-12, rtol=0)  # reorthogonalised
    t = np.diag(tri.alphas) + np.diag(tri.betas, 1) + np.diag(tri.betas, -1)
    np.testing.assert_allclose((q @ h @ q.T).numpy(), t, atol=1e-10)


def test_lanczos_stops_on_invariant_subspace():
    diag = torch.tensor([1.0, 1.0, 2.0, 2.0, 3.0], dtype=torch.float64)  # three distinct eigenvalues
    tri = hessian.lanczos(lambda v: diag * v, 5, 5, seed=0)
    assert tri.alphas.size == 3
    np.testing.assert_allclose(np.sort(hessian.ritz(tri)[0]), [1.0, 2.0, 3.0], atol=1e-12)


def test_slq_density_normalised_and_mean_is_trace_over_d(tiny_problem):
    _, _, _, h, exact = tiny_problem
    dim = h.shape[0]
    sd = hessian.spectral_density(lambda v: h @ v, dim, n_iter=30, n_probes=30, seed=0)
    assert np.trapezoid(sd.density, sd.grid) == pytest.approx(1.0, abs=1e-12)
    assert (sd.density >= 0).all()
    means = sd.probe_means
    np.testing.assert_allclose([np.sum(w) for w in sd.ritz_weights], 1.0, atol=1e-12)
    assert np.trapezoid(sd.grid * sd.density, sd.grid) == pytest.approx(means.mean(), abs=1e-6)
    se = means.std(ddof=1) / np.sqrt(len(means))
    assert abs(means.mean() - float(torch.trace(h)) / dim) <= 4 * se
    assert sd.grid.min() < exact.min() and sd.grid.max() > exact.max()  # extreme Ritz values converge


def spiked_matvec(dim: int, n_outliers: int, seed: int):
    """A Wishart bulk on [~0, ~2.9] plus n_outliers eigenvalues at 20, 25, ...: a Fort & Ganguli-like spectrum."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2 * dim, dim))
    bulk = x.T @ x / (2 * dim)
    u, _ = np.linalg.qr(rng.standard_normal((dim, n_outliers)))
    spikes = 20.0 + 5.0 * np.arange(n_outliers)
    matrix = torch.tensor(bulk + (u * spikes) @ u.T)
    return (lambda v: matrix @ v), torch.linalg.eigvalsh(matrix).numpy()


def test_count_outliers_by_gap_and_by_slq_bulk_edge():
    dim, n_classes = 200, 4
    matvec, exact = spiked_matvec(dim, n_classes, seed=0)
    top = hessian.top_eigenvalues(matvec, dim, k=3 * n_classes, n_iter=60, seed=1)
    assert hessian.count_outliers(top) == n_classes
    sd = hessian.spectral_density(matvec, dim, n_iter=60, n_probes=10, seed=2, sigma=0.2)
    edge = hessian.density_bulk_edge(sd)
    assert exact[-n_classes - 1] < edge < exact[-n_classes]
    assert hessian.count_outliers(top, bulk_edge=edge) == n_classes
    assert hessian.count_outliers(np.array([1.0])) == 0


def test_top_eigenpairs_are_the_largest_eigenvalues_with_orthonormal_ritz_vectors(tiny_problem):
    model, x, y, h, exact = tiny_problem
    dim = h.shape[0]
    values, ritz = hessian.top_eigenpairs(hessian.hvp_fn(model, x, y), dim, k=10, n_iter=dim, seed=0)
    np.testing.assert_allclose(values, exact[::-1][:10], rtol=1e-8, atol=1e-10)
    torch.testing.assert_close(ritz @ ritz.T, torch.eye(10, dtype=torch.float64), atol=1e-10, rtol=0)
    torch.testing.assert_close(ritz @ h @ ritz.T, torch.diag(torch.from_numpy(values.copy())), atol=1e-8, rtol=0)
