"""Theory of the confinement stage (Gur-Ari, Roberts & Dyer 2018; Fort & Ganguli 2019): the share of the gradient in
the top-k Hessian eigenspace, and what a random k-dimensional subspace would hold."""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch


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
