"""Affine subspaces of weight space: theta = theta_start + A phi, evaluated functionally with torch.func."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from torch.func import functional_call

from dof.engine.projections import Projection


@dataclass(frozen=True)
class ParamLayout:
    """Names and shapes of a model's parameters in the order they are flattened into theta."""

    names: tuple[str, ...]
    shapes: tuple[torch.Size, ...]

    @classmethod
    def of(cls, model: nn.Module) -> ParamLayout:
        named = list(model.named_parameters())
        return cls(tuple(n for n, _ in named), tuple(p.shape for _, p in named))

    @property
    def n_params(self) -> int:
        return sum(s.numel() for s in self.shapes)

    def unflatten(self, theta: torch.Tensor) -> dict[str, torch.Tensor]:
        """Split a flat D-vector into named parameter views (differentiable)."""
        sizes = [s.numel() for s in self.shapes]
        pieces = torch.split(theta, sizes)
        return {n: p.view(s) for n, p, s in zip(self.names, pieces, self.shapes)}


def flatten_params(model: nn.Module) -> torch.Tensor:
    """theta: all parameters concatenated in ParamLayout order (a detached copy)."""
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).clone()


def load_flat_params(model: nn.Module, theta: torch.Tensor) -> nn.Module:
    """Copy a flat theta into the model's parameters in place."""
    nn.utils.vector_to_parameters(theta.detach().clone(), model.parameters())
    return model


def model_buffers(model: nn.Module) -> dict[str, torch.Tensor]:
    """Copies of the model's buffers (BatchNorm running statistics), which live outside theta; {} for most nets."""
    return {name: buffer.detach().clone() for name, buffer in model.named_buffers()}


def load_buffers(model: nn.Module, buffers: dict[str, torch.Tensor]) -> nn.Module:
    """Copy saved buffers into the model in place; a name the model lacks, or a missing one, is an error."""
    own = dict(model.named_buffers())
    if set(buffers) and set(buffers) != set(own):
        raise ValueError(f"buffers {sorted(set(buffers) ^ set(own))} do not match the model's {type(model).__name__}")
    with torch.no_grad():
        for name, value in buffers.items():
            own[name].copy_(value)
    return model


class AffineSubspace:
    """theta(phi) = theta_start + A phi; forward(x, phi) runs the model at theta(phi)."""

    def __init__(self, model: nn.Module, theta_start: torch.Tensor, projection: Projection):
        self.model = model
        self.layout = ParamLayout.of(model)
        if theta_start.numel() != self.layout.n_params:
            raise ValueError(f"theta_start has {theta_start.numel()} entries, the model {self.layout.n_params}")
        if projection.n_params != self.layout.n_params:
            raise ValueError(
                f"projection maps to {projection.n_params} parameters, the model has {self.layout.n_params}"
            )
        self.theta_start = theta_start.detach()
        self.projection = projection

    def theta(self, phi: torch.Tensor) -> torch.Tensor:
        return self.theta_start + self.projection(phi)

    def forward(self, x: torch.Tensor, phi: torch.Tensor) -> torch.Tensor:
        return functional_call(self.model, self.layout.unflatten(self.theta(phi)), (x,))

    @torch.no_grad()
    def logits_at(self, phi: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
        """The model at theta(phi) as a function of x, with theta computed once (for evaluation in batches)."""
        params = self.layout.unflatten(self.theta(phi.detach()))

        def logits(x: torch.Tensor) -> torch.Tensor:
            return functional_call(self.model, params, (x,))

        return logits
