"""Local geometry of Fort & Ganguli (2019): the curvature of a random section A^T H A (the Goldilocks zone) and the
confinement of the gradient to the top-k Hessian eigenspace (Gur-Ari, Roberts & Dyer 2018)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import torch

from dof.theory.hessian import MatVec


def section_hessian(matvec: MatVec, directions: torch.Tensor) -> torch.Tensor:
    """A^T H A (d x d, float64, symmetrised) for the d directions given as the rows of `directions` (d x D): one
    Hessian-vector product per direction."""
    rows = directions.double()
    products = torch.stack([matvec(row) for row in rows]).double()
    section = rows @ products.T
    return 0.5 * (section + section.T)


def section_curvature(section: torch.Tensor) -> dict[str, float]:
    """Fort & Scherlis's measures of a section Hessian M = A^T H A: tr M / ||M||_F (in [-sqrt d, sqrt d], about 0
    for a spectrum symmetric about 0), the fraction of positive eigenvalues, and the trace, norm and extremes."""
    values = torch.linalg.eigvalsh(section.double()).cpu().numpy()
    frobenius = float(np.sqrt(np.sum(values**2)))
    trace = float(values.sum())
    return {
        "section_trace": trace,
        "section_frobenius": frobenius,
        "trace_over_frobenius": trace / frobenius if frobenius > 0 else float("nan"),
        "positive_fraction": float(np.mean(values > 0)),
        "section_lambda_max": float(values.max()),
        "section_lambda_min": float(values.min()),
    }


def subspace_fraction(vector: torch.Tensor, basis: torch.Tensor) -> float:
    """||P v||^2 / ||v||^2 for P the projector on the span of the orthonormal rows of `basis` (k x D)."""
    v = vector.double()
    norm2 = float(v @ v)
    if norm2 == 0:
        return float("nan")
    coefficients = basis.double() @ v
    return float(coefficients @ coefficients) / norm2


def gradient_confinement(gradient: torch.Tensor, eigenvectors: torch.Tensor, ks: Iterable[int]) -> dict[int, float]:
    """For every k: the fraction of the gradient's squared norm in the span of the first k rows of `eigenvectors`
    (the top-k Hessian eigenvectors, descending), f_top(k) = ||P_k g||^2 / ||g||^2."""
    available = eigenvectors.shape[0]
    out = {}
    for k in ks:
        if not 1 <= int(k) <= available:
            raise ValueError(f"k = {k} needs 1 <= k <= {available}, the eigenvectors computed")
        out[int(k)] = subspace_fraction(gradient, eigenvectors[: int(k)])
    return out


def random_fraction(k: int, dim: int) -> float:
    """The expected ||P g||^2 / ||g||^2 for P the projector on a uniformly random k-dimensional subspace: k / D."""
    return k / dim


def random_fraction_spread(k: int, dim: int) -> float:
    """The standard deviation of that fraction (a Beta(k/2, (D-k)/2) variable), to read k / D with."""
    a, b = k / 2, (dim - k) / 2
    return math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
