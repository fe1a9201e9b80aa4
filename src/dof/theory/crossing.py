"""The threshold dimension of a success curve: the first d whose success probability reaches a level (the d* of the
thresholds stage's tables and of the theory stage's quadratic wells)."""

from __future__ import annotations

import numpy as np


def first_crossing(dims: np.ndarray, p: np.ndarray, level: float) -> np.ndarray:
    """Smallest d whose P_s reaches `level`, along the last axis; NaN where none does."""
    hit = p >= level
    first = np.where(hit.any(axis=-1), hit.argmax(axis=-1), -1)
    return np.where(first >= 0, dims[np.clip(first, 0, None)].astype(float), np.nan)
