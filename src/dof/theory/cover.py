"""Cover's function counting theorem: the probability that P points in general position with random labels +-1
are linearly separable by a model of N parameters (an affine map on N - 1 inputs)."""

from __future__ import annotations

from math import comb


def cover_probability(n_points: int, n_params: int) -> float:
    """C(P, N) / 2^P = 2^(1 - P) sum_{k < N} binom(P - 1, k): 1 for P <= N, exactly 1/2 at P = 2N."""
    total = sum(comb(n_points - 1, k) for k in range(min(n_params, n_points)))
    return total / 2 ** (n_points - 1)
