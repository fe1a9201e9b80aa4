"""Random projections A (D x d) mapping subspace coordinates phi to weight offsets A phi."""

from __future__ import annotations

from typing import Protocol

import torch

from dof.seeding import generator


class Projection(Protocol):
    """A linear map R^d -> R^D; calling it is differentiable, so autograd yields A^T g for the backward pass."""

    kind: str
    n_params: int
    dim: int
    seed: int

    def __call__(self, phi: torch.Tensor) -> torch.Tensor: ...


class DenseProjection:
    """The authors' projection: i.i.d. N(0, 1) entries, each column scaled to unit norm over the whole network."""

    kind = "dense"

    def __init__(self, n_params: int, dim: int, seed: int, device: str | torch.device = "cpu"):
        self.n_params, self.dim, self.seed = int(n_params), int(dim), int(seed)
        # Stored as A^T (d x D) so each column of A is one contiguous row.
        rows = torch.randn(self.dim, self.n_params, generator=generator(self.seed))
        rows /= rows.norm(dim=1, keepdim=True)
        self.rows = rows.to(device)

    @property
    def matrix(self) -> torch.Tensor:
        """A itself (D x d), a view for tests and analysis."""
        return self.rows.T

    def __call__(self, phi: torch.Tensor) -> torch.Tensor:
        return phi @ self.rows


PROJECTIONS = {"dense": DenseProjection}


def make_projection(
    kind: str, n_params: int, dim: int, seed: int, device: str | torch.device = "cpu"
) -> Projection:
    """Build the projection named `kind` for a D = n_params network and d = dim."""
    if kind not in PROJECTIONS:
        raise KeyError(f"unknown projection {kind!r}; known projections: {sorted(PROJECTIONS)}")
    return PROJECTIONS[kind](n_params, dim, seed, device=device)
