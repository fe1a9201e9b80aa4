"""The jamming stage's linear check, Cover's function counting theorem: the probability that P points in general
position with random labels +-1 are linearly separable by a model of N parameters (an affine map on N - 1 inputs); and
the exact answer for one data set by linear programming (the known answer the jamming tests check training against)."""

from __future__ import annotations

from math import comb

import numpy as np


def cover_probability(n_points: int, n_params: int) -> float:
    """C(P, N) / 2^P = 2^(1 - P) sum_{k < N} binom(P - 1, k): 1 for P <= N, exactly 1/2 at P = 2N."""
    total = sum(comb(n_points - 1, k) for k in range(min(n_params, n_points)))
    return total / 2 ** (n_points - 1)


def margins_feasible(features: np.ndarray, labels: np.ndarray, offset: np.ndarray | None = None) -> bool:
    """Whether some v gives every point the margin y (features . v + offset) >= 1 (L = 0 of a model linear in its
    trainable parameters), decided exactly by linear programming (scipy's HiGHS)."""
    from scipy.optimize import linprog

    features, labels = np.asarray(features, dtype=float), np.asarray(labels, dtype=float)
    offset = np.zeros(len(labels)) if offset is None else np.asarray(offset, dtype=float)
    rows = -labels[:, None] * features
    result = linprog(np.zeros(features.shape[1]), A_ub=rows, b_ub=labels * offset - 1.0, bounds=(None, None))
    return result.status == 0


def linearly_separable(x: np.ndarray, labels: np.ndarray) -> bool:
    """Whether an affine map w . x + b fits every point at margin y f >= 1 (Cover's separability of P points)."""
    x = np.asarray(x, dtype=float)
    return margins_feasible(np.column_stack([x, np.ones(len(x))]), labels)
