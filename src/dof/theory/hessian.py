"""Hessian spectra of networks: Hessian-vector products with torch.func, Lanczos, stochastic Lanczos quadrature."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from scipy.linalg import eigh_tridiagonal
from torch import nn
from torch.func import grad, jvp
from torch.nn import functional as F

from dof.engine.models import functional_logits
from dof.engine.seeding import derive_seed, generator
from dof.engine.subspace import ParamLayout, flatten_params

MatVec = Callable[[torch.Tensor], torch.Tensor]


def loss_fn(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """theta -> mean cross-entropy of the model at flat parameters theta on (x, y)."""
    layout = ParamLayout.of(model)
    return lambda theta: F.cross_entropy(functional_logits(model, layout.unflatten(theta), x), y)


def hvp_fn(model: nn.Module, x: torch.Tensor, y: torch.Tensor, theta: torch.Tensor | None = None) -> MatVec:
    """v -> H v, H the Hessian of the mean cross-entropy at flat theta (default: the model's parameters).

    Forward-over-reverse: jvp of grad. v may have any float dtype; it is cast to the parameters' dtype and the
    product is returned in v's dtype."""
    theta = (flatten_params(model) if theta is None else theta).detach()
    gradient = grad(loss_fn(model, x, y))

    def matvec(v: torch.Tensor) -> torch.Tensor:
        return jvp(gradient, (theta,), (v.to(theta.dtype),))[1].detach().to(v.dtype)

    return matvec


def explicit_hessian(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, theta: torch.Tensor | None = None
) -> torch.Tensor:
    """The dense D x D Hessian of the mean cross-entropy (torch.func.hessian); for small models and tests."""
    theta = (flatten_params(model) if theta is None else theta).detach()
    with warnings.catch_warnings():  # torch 2.14's own functorch internals still call the deprecated jit.script
        warnings.filterwarnings("ignore", message=".*torch.jit.script.*is deprecated", category=FutureWarning)
        return torch.func.hessian(loss_fn(model, x, y))(theta).detach()


def double_backward_hvp_fn(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, theta: torch.Tensor | None = None
) -> MatVec:
    """v -> H v like hvp_fn, by reverse-over-reverse on a gradient graph built once and kept.

    The graph of the gradient at theta is recorded on the first call; every product is then one backward pass
    through it (about half the time of hvp_fn's forward-over-reverse for a convolutional net on the CPU, at the
    memory cost of the retained graph: a few activations per example)."""
    theta = (flatten_params(model) if theta is None else theta).detach().clone().requires_grad_(True)
    with torch.enable_grad():
        (gradient,) = torch.autograd.grad(loss_fn(model, x, y)(theta), theta, create_graph=True)

    def matvec(v: torch.Tensor) -> torch.Tensor:
        (product,) = torch.autograd.grad(gradient, theta, grad_outputs=v.to(theta.dtype), retain_graph=True)
        return product.detach().to(v.dtype)

    return matvec


@dataclass(frozen=True)
class Tridiagonal:
    """Lanczos output: diagonal alphas (m,), off-diagonal betas (m - 1,), optionally the basis (m, dim)."""

    alphas: np.ndarray
    betas: np.ndarray
    basis: torch.Tensor | None = None


def lanczos(
    matvec: MatVec, dim: int, n_iter: int, seed: int, start: torch.Tensor | None = None, keep_basis: bool = False
) -> Tridiagonal:
    """m = min(n_iter, dim) Lanczos steps in float64 with full reorthogonalisation (Gram-Schmidt applied twice).

    The start vector is `start` or a Gaussian from generator(seed), normalised; the iteration stops early if
    the Krylov space becomes invariant (beta < 1e-12 * scale)."""
    n_iter = min(n_iter, dim)
    v = torch.randn(dim, generator=generator(seed), dtype=torch.float64) if start is None else start.double()
    v = v / torch.linalg.norm(v)
    basis = torch.zeros(n_iter, dim, dtype=torch.float64)
    alphas, betas = [], []
    scale = 0.0
    for j in range(n_iter):
        basis[j] = v
        w = matvec(v).double()
        alpha = float(w @ v)
        alphas.append(alpha)
        for _ in range(2):
            w = w - basis[: j + 1].T @ (basis[: j + 1] @ w)
        beta = float(torch.linalg.norm(w))
        scale = max(scale, abs(alpha), beta)
        if j == n_iter - 1 or beta <= 1e-12 * scale:
            break
        betas.append(beta)
        v = w / beta
    m = len(alphas)
    return Tridiagonal(np.array(alphas), np.array(betas[: m - 1]), basis[:m].clone() if keep_basis else None)


def ritz(tri: Tridiagonal) -> tuple[np.ndarray, np.ndarray]:
    """Ritz values (ascending) and SLQ weights: squared first components of the tridiagonal's eigenvectors."""
    if tri.alphas.size == 1:
        return tri.alphas.copy(), np.ones(1)
    values, vectors = eigh_tridiagonal(tri.alphas, tri.betas)
    return values, vectors[0] ** 2


def top_eigenvalues(matvec: MatVec, dim: int, k: int, n_iter: int, seed: int) -> np.ndarray:
    """The k largest (algebraic) eigenvalues, descending, from the Ritz values of n_iter Lanczos steps."""
    values, _ = ritz(lanczos(matvec, dim, n_iter, seed))
    return values[::-1][:k].copy()


def top_eigenpairs(matvec: MatVec, dim: int, k: int, n_iter: int, seed: int) -> tuple[np.ndarray, torch.Tensor]:
    """The k largest Ritz values (descending) of n_iter Lanczos steps and their Ritz vectors, as (k, dim) float64
    rows with unit norm (orthonormal up to the reorthogonalisation's rounding)."""
    tri = lanczos(matvec, dim, n_iter, seed, keep_basis=True)
    if tri.alphas.size == 1:
        values, vectors = tri.alphas.copy(), np.ones((1, 1))
    else:
        values, vectors = eigh_tridiagonal(tri.alphas, tri.betas)
    order = np.argsort(values)[::-1][:k]
    ritz_vectors = torch.from_numpy(np.ascontiguousarray(vectors[:, order].T)) @ tri.basis
    return values[order].copy(), ritz_vectors


@dataclass(frozen=True)
class SpectralDensity:
    """SLQ density on a grid (integrates to 1), and the per-probe Ritz values and weights behind it."""

    grid: np.ndarray
    density: np.ndarray
    ritz_values: list[np.ndarray]
    ritz_weights: list[np.ndarray]
    sigma: float

    @property
    def probe_means(self) -> np.ndarray:
        """Per probe sum_j tau_j theta_j = v^T H v for the unit probe v: unbiased for trace(H) / D."""
        return np.array([np.sum(t * w) for t, w in zip(self.ritz_values, self.ritz_weights)])


def spectral_density(
    matvec: MatVec,
    dim: int,
    n_iter: int,
    n_probes: int,
    seed: int,
    grid: np.ndarray | None = None,
    sigma: float | None = None,
) -> SpectralDensity:
    """Stochastic Lanczos quadrature (Ghorbani, Krishnan & Xiao 2019): Gaussian-broadened density of H's spectrum.

    phi(t) = (1 / n_probes) sum_probes sum_j tau_j N(t; theta_j, sigma^2), with Ritz values theta_j and weights
    tau_j of a Lanczos run from each Gaussian probe (seed derive_seed("slq", seed, probe)), renormalised so the
    trapezoid integral over the grid is 1. Defaults: sigma = 1% of the Ritz range, grid of 1000 points spanning
    the Ritz values +- 5 sigma."""
    values, weights = [], []
    for probe in range(n_probes):
        t, w = ritz(lanczos(matvec, dim, n_iter, derive_seed("slq", seed, probe)))
        values.append(t)
        weights.append(w)
    return density_from_ritz(values, weights, grid, sigma)


def density_from_ritz(
    values: list[np.ndarray], weights: list[np.ndarray], grid: np.ndarray | None = None, sigma: float | None = None
) -> SpectralDensity:
    """The broadened SLQ density of per-probe Ritz values and weights (the second half of spectral_density).

    Lets a caller reuse Lanczos runs it made for something else (e.g. the top eigenvalues) as SLQ probes."""
    n_probes = len(values)
    all_values = np.concatenate(values)
    lo, hi = float(all_values.min()), float(all_values.max())
    if sigma is None:
        sigma = max(0.01 * (hi - lo), 1e-12 * max(abs(lo), abs(hi), 1.0))
    if grid is None:
        grid = np.linspace(lo - 5 * sigma, hi + 5 * sigma, 1000)
    grid = np.asarray(grid, dtype=float)
    density = np.zeros_like(grid)
    for t, w in zip(values, weights):
        density += (w[None, :] * np.exp(-0.5 * ((grid[:, None] - t[None, :]) / sigma) ** 2)).sum(axis=1)
    density /= n_probes * sigma * math.sqrt(2 * math.pi)
    density /= np.trapezoid(density, grid)
    return SpectralDensity(grid=grid, density=density, ritz_values=values, ritz_weights=weights, sigma=float(sigma))


def density_bulk_edge(sd: SpectralDensity, threshold: float = 1e-3) -> float:
    """Right edge of the bulk: the first grid point right of the density's peak where it drops below threshold * peak.

    An outlier of an SLQ density carries mass ~1/D per eigenvalue, so outliers separated from the bulk by a few
    sigma fall beyond this edge."""
    peak = int(np.argmax(sd.density))
    below = np.nonzero(sd.density[peak:] < threshold * sd.density[peak])[0]
    return float(sd.grid[peak + below[0]]) if below.size else float(sd.grid[-1])


def count_outliers(eigenvalues: np.ndarray, bulk_edge: float | None = None) -> int:
    """Number of outlier eigenvalues above the bulk.

    With `bulk_edge` (e.g. density_bulk_edge of an SLQ density): the count of eigenvalues strictly above it.
    Without: the largest-gap criterion on the given top eigenvalues (pass k well above the expected count,
    e.g. 3 C): sort the positive ones descending and cut at the largest ratio lambda_j / lambda_{j+1};
    the outliers are the j eigenvalues above that gap (0 if fewer than two positive eigenvalues)."""
    values = np.sort(np.asarray(eigenvalues, dtype=float))[::-1]
    if bulk_edge is not None:
        return int(np.sum(values > bulk_edge))
    positive = values[values > 0]
    if positive.size < 2:
        return 0
    ratios = positive[:-1] / positive[1:]
    return int(np.argmax(ratios)) + 1
