"""Affine subspaces of weight space, theta = theta_start + A phi, evaluated functionally with torch.func: the
functional core (`AffineSubspace`) and the public wrapper around it (`SubspaceModule`, also `dof.SubspaceModule`),
which trains any nn.Module in a random subspace from any training loop; the stages train through it too.

SAID (Aghajanyan et al. 2021, structure-aware intrinsic dimension) adds one learned scale per parameter tensor:
theta_i = theta_start,i + lambda_m(i) (A phi)_i; its d counts phi's d - m coordinates and the m scales."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch import nn
from torch.func import functional_call

from dof.engine.models import functional_logits, logits_of
from dof.engine.projections import RANDOM_PROJECTIONS, Projection, make_projection

if TYPE_CHECKING:
    from dof.engine.data import Features

SAID = "said"
"""The structure-aware kind: a base projection (`said_base`) plus one learned scale per parameter tensor."""

SUBSPACE_KINDS = (*RANDOM_PROJECTIONS, SAID)
"""The kinds `SubspaceModule` builds from a seed (`subspace.projection`)."""

SAID_SCALE_INIT = 1.0
"""SAID's scales start at 1 (Aghajanyan et al.'s code): at phi = 0 their gradient is 0, so the first step equals
the base projection's."""


@dataclass(frozen=True)
class ParamLayout:
    """Names and shapes of a model's parameters in the order they are flattened into theta."""

    names: tuple[str, ...]
    shapes: tuple[torch.Size, ...]

    @classmethod
    def of(cls, model: nn.Module, trainable_only: bool = False) -> ParamLayout:
        """Every parameter of `model`, or only those with requires_grad (the ones a subspace moves)."""
        named = [(n, p) for n, p in model.named_parameters() if p.requires_grad or not trainable_only]
        return cls(tuple(n for n, _ in named), tuple(p.shape for _, p in named))

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(s.numel() for s in self.shapes)

    @property
    def n_params(self) -> int:
        return sum(self.sizes)

    def unflatten(self, theta: torch.Tensor) -> dict[str, torch.Tensor]:
        """Split a flat D-vector into named parameter views (differentiable)."""
        pieces = torch.split(theta, list(self.sizes))
        return {n: p.view(s) for n, p, s in zip(self.names, pieces, self.shapes)}

    def flatten(self, model: nn.Module) -> torch.Tensor:
        """theta: the layout's parameters of `model` concatenated (a detached copy)."""
        own = dict(model.named_parameters())
        return torch.cat([own[name].detach().reshape(-1) for name in self.names]).clone()


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
    """theta(phi) = theta_start + A phi over the model's trainable parameters (frozen ones stay as they are);
    structured (SAID): theta_start + lambda_m(i) (A phi)_i with one scale per parameter tensor. forward(x, phi)
    runs the model at theta(phi) through functional_call, with the model's own buffers (BatchNorm statistics), and
    returns its logits."""

    def __init__(self, model: nn.Module, theta_start: torch.Tensor, projection: Projection, structured: bool = False):
        self.model = model
        self.layout = ParamLayout.of(model, trainable_only=True)
        if theta_start.numel() != self.layout.n_params:
            raise ValueError(f"theta_start has {theta_start.numel()} entries, the model {self.layout.n_params}")
        if projection.n_params != self.layout.n_params:
            raise ValueError(
                f"projection maps to {projection.n_params} parameters, the model has {self.layout.n_params}"
            )
        self.theta_start = theta_start.detach()
        self.projection = projection
        self.n_scales = len(self.layout.names) if structured else 0

    @property
    def dim(self) -> int:
        """The d this subspace counts: phi's coordinates plus SAID's scales."""
        return self.projection.dim + self.n_scales

    def offset(self, phi: torch.Tensor, scales: torch.Tensor | None = None) -> torch.Tensor:
        """A phi, or with SAID's scales lambda_m(i) (A phi)_i (every entry of tensor m times its scale)."""
        if not self.n_scales:
            return self.projection(phi)
        if scales is None or scales.shape != (self.n_scales,):
            raise ValueError(f"a structured subspace needs {self.n_scales} scales, one per parameter tensor")
        # scale m broadcast over tensor m's entries: its backward sums each tensor's share (2x faster than
        # repeat_interleave's on ResNet-18)
        per_entry = torch.cat([scale.expand(size) for scale, size in zip(scales.unbind(), self.layout.sizes)])
        return self.projection(phi) * per_entry

    def theta(self, phi: torch.Tensor, scales: torch.Tensor | None = None) -> torch.Tensor:
        return self.theta_start + self.offset(phi, scales)

    def call(self, phi: torch.Tensor, scales: torch.Tensor | None, args: tuple, kwargs: Mapping[str, Any]) -> Any:
        """model(*args, **kwargs) at theta(phi, scales)."""
        return functional_call(self.model, self.layout.unflatten(self.theta(phi, scales)), args, dict(kwargs))

    def forward(self, x: Features, phi: torch.Tensor, scales: torch.Tensor | None = None) -> torch.Tensor:
        """The logits at theta(phi, scales) on a batch of features (model_logits)."""
        return functional_logits(self.model, self.layout.unflatten(self.theta(phi, scales)), x)

    @torch.no_grad()
    def logits_at(self, phi: torch.Tensor, scales: torch.Tensor | None = None) -> Callable[..., torch.Tensor]:
        """The model's logits at theta(phi), called like the model, with theta computed once (evaluation in batches)."""
        params = self.layout.unflatten(self.theta(phi.detach(), None if scales is None else scales.detach()))

        def logits(*args: Any, **kwargs: Any) -> torch.Tensor:
            return logits_of(functional_call(self.model, params, args, kwargs))

        return logits


def trainable_layout(model: nn.Module) -> ParamLayout:
    """The layout of the parameters a subspace moves (requires_grad); a network with none is refused."""
    layout = ParamLayout.of(model, trainable_only=True)
    if not layout.names:
        raise ValueError(
            f"{type(model).__name__} has no trainable parameters (none with requires_grad=True), so there is no "
            "weight for the subspace to move: unfreeze the weights it should train, e.g. model.requires_grad_(True)"
        )
    return layout


def single_device(model: nn.Module) -> torch.device:
    """The one device of a network's parameters and buffers (its projection is drawn there); several are refused."""
    devices = {t.device for t in (*model.parameters(), *model.buffers())}
    if len(devices) > 1:
        names = ", ".join(sorted(map(str, devices)))
        raise ValueError(
            f"{type(model).__name__}'s parameters and buffers lie on several devices ({names}) but theta = theta_0 + "
            "A phi lives on one: move the whole network there first, model.to(device)"
        )
    return devices.pop()


def check_kind(kind: str, said_base: str) -> str:
    """A subspace kind `SubspaceModule` can draw from a seed (and, for SAID, a base it can draw)."""
    if kind not in SUBSPACE_KINDS:
        raise ValueError(
            f"unknown projection {kind!r}: choose one of {', '.join(SUBSPACE_KINDS)}, or pass a Projection"
        )
    if kind == SAID and said_base not in RANDOM_PROJECTIONS:
        raise ValueError(
            f"said_base {said_base!r} is not a random projection: choose one of {', '.join(RANDOM_PROJECTIONS)}"
        )
    return kind


def phi_dim(dim: int, n_params: int, n_scales: int, network: str) -> int:
    """phi's size in a subspace of dimension `dim` that counts `n_scales` SAID scales: dim - n_scales, refused unless
    1 <= dim - n_scales <= D (the messages name the d to choose)."""
    dim = int(dim)
    if dim < 1:
        raise ValueError(f"d = {dim}: a subspace needs d >= 1")
    if n_scales and dim <= n_scales:
        raise ValueError(
            f"d = {dim} is too small for SAID on {network}: d counts one scale per parameter tensor (m = {n_scales}) "
            f"plus phi's d - m >= 1 coordinates; choose d >= {n_scales + 1}, or a plain projection such as 'fastfood'"
        )
    if dim - n_scales > n_params:
        raise ValueError(
            f"d = {dim} exceeds D = {n_params + n_scales}, the trainable weights of {network}"
            + (f" plus its {n_scales} SAID scales" if n_scales else "")
            + f" (a subspace of dimension D is the whole weight space); choose d <= {n_params + n_scales}"
        )
    return dim - n_scales


def weights_fingerprint(theta: torch.Tensor) -> str:
    """sha256 of theta's bytes: tells whether a saved phi belongs to this starting point theta_0."""
    return hashlib.sha256(theta.detach().cpu().contiguous().view(torch.uint8).numpy().tobytes()).hexdigest()


BUFFER_PREFIX = "buffers."
"""state_dict keys of the wrapped network's buffers (BatchNorm statistics): `buffers.<name>`."""


class SubspaceModule(nn.Module):
    """`model` trained inside a random affine subspace of its weights, theta = theta_0 + A phi, theta_0 its trainable
    weights when wrapped (frozen ones stay). The only parameters are phi (from 0) and, for SAID, one scale per
    parameter tensor (from 1), so any torch optimiser and any loop train it; forward(*args, **kwargs) runs `model` at
    theta through torch.func.functional_call with the model's own buffers (BatchNorm statistics update in train
    mode, as in the stages). A is drawn on the model's device from `seed` alone, unit-norm columns, nested in d.

    projection: 'dense', 'sparse', 'fastfood' (dof.engine.projections), 'said' (d - m coordinates of phi over
    `said_base`, plus m scales) or a ready Projection of size d (e.g. a TrajectoryProjection); `options` go to the
    projection's class. state_dict() holds phi, the scales, the buffers and the settings; `from_state` rebuilds it.
    """

    def __init__(
        self,
        model: nn.Module,
        dim: int,
        projection: str | Projection = "dense",
        seed: int = 0,
        *,
        said_base: str = "fastfood",
        **options: Any,
    ):
        super().__init__()
        layout, device, network = trainable_layout(model), single_device(model), type(model).__name__
        if isinstance(projection, str):
            kind = check_kind(projection, said_base)
            structured = kind == SAID
            n_phi = phi_dim(dim, layout.n_params, len(layout.names) if structured else 0, network)
            base = said_base if structured else kind
            matrix = make_projection(base, layout.n_params, n_phi, seed, device, **options)
            extra = {"said_base": said_base} if structured else {}
            settings = {"dim": int(dim), "projection": kind, "seed": int(seed), **extra, **options}
        else:
            structured, matrix = False, projection
            if matrix.dim != dim:
                raise ValueError(f"d = {dim} but the projection given has d = {matrix.dim}: pass dim={matrix.dim}")
            settings = {"dim": int(dim), "projection": matrix.describe()}
        self.subspace = AffineSubspace(model, layout.flatten(model), matrix, structured)
        self.settings = settings
        self.phi = nn.Parameter(torch.zeros(matrix.dim, device=device))
        scales = torch.full((self.subspace.n_scales,), SAID_SCALE_INIT, device=device)
        self.register_parameter("scales", nn.Parameter(scales) if structured else None)
        self.train(model.training)

    @classmethod
    def from_state(cls, model: nn.Module, state: Mapping[str, Any]) -> SubspaceModule:
        """The module a state_dict was saved from, rebuilt around `model` (the same initial network theta_0)."""
        settings = dict(state.get("_extra_state", {}).get("settings", {}))
        if not settings or not isinstance(settings.get("projection"), str):
            raise ValueError("this state names no seeded projection to rebuild: build the SubspaceModule yourself")
        module = cls(model, **settings)
        module.load_state_dict(state)
        return module

    @property
    def network(self) -> nn.Module:
        """The wrapped network (its own parameters are theta_0; forward runs it at theta)."""
        return self.subspace.model

    @property
    def device(self) -> torch.device:
        return self.phi.device

    @property
    def projection(self) -> Projection:
        return self.subspace.projection

    @property
    def theta_start(self) -> torch.Tensor:
        return self.subspace.theta_start

    @property
    def dim(self) -> int:
        """d: phi's coordinates plus SAID's scales (what a threshold d* counts)."""
        return self.subspace.dim

    @property
    def n_scales(self) -> int:
        return self.subspace.n_scales

    def theta(self) -> torch.Tensor:
        """The flat trainable weights theta = theta_0 + A phi (SAID: scaled per tensor), differentiable."""
        return self.subspace.theta(self.phi, self.scales)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.subspace.call(self.phi, self.scales, args, kwargs)

    def logits_at(self) -> Callable[..., torch.Tensor]:
        """The network's logits at the current theta, called like the network, theta computed once (evaluation in
        batches); its output's logits (dof.engine.models.logits_of) whatever the network returns."""
        return self.subspace.logits_at(self.phi, self.scales)

    @torch.no_grad()
    def to_network(self) -> nn.Module:
        """A copy of the wrapped network with its weights set to theta: an ordinary nn.Module, without dof."""
        network = copy.deepcopy(self.network)
        own = dict(network.named_parameters())
        for name, value in self.subspace.layout.unflatten(self.theta()).items():
            own[name].copy_(value)
        return network

    def describe(self) -> dict[str, Any]:
        """The projection's description (a run's `projection_settings`); SAID adds its base, d, phi's d and m."""
        base = self.projection.describe()
        if not self.n_scales:
            return base
        return {
            **base,
            "kind": SAID,
            "base": base["kind"],
            "dim": self.dim,
            "phi_dim": self.projection.dim,
            "n_scales": self.n_scales,
            "scale_init": SAID_SCALE_INIT,
        }

    def extra_repr(self) -> str:
        return f"d={self.dim}, D={self.subspace.layout.n_params}, settings={self.settings}"

    def train(self, mode: bool = True) -> SubspaceModule:
        """Train or eval mode for this module and the wrapped network (BatchNorm's statistics)."""
        super().train(mode)
        self.network.train(mode)
        return self

    def _apply(self, fn: Callable, recurse: bool = True) -> SubspaceModule:
        """Refuses a move to another device or dtype: A was drawn on the model's device in float32."""
        probe = fn(torch.zeros((), device=self.phi.device))
        if probe.device != self.phi.device or probe.dtype != torch.float32:
            raise RuntimeError(
                f"this SubspaceModule lives on {self.phi.device} in float32 (its projection was drawn there): to train "
                f"on {probe.device}, wrap the network there, SubspaceModule(model.to({str(probe.device)!r}), ...)"
            )
        return super()._apply(fn, recurse)

    def _network_buffers(self) -> dict[str, torch.Tensor]:
        """The wrapped network's persistent buffers by name (what its own state_dict would save)."""
        names = {name for name, _ in self.network.named_buffers()}
        return {k: v for k, v in self.network.state_dict(keep_vars=True).items() if k in names}

    def get_extra_state(self) -> dict[str, Any]:
        return {
            "settings": self.settings,
            "n_params": self.subspace.layout.n_params,
            "theta_start_sha256": weights_fingerprint(self.theta_start),
        }

    def set_extra_state(self, state: Mapping[str, Any]) -> None:
        """Refuses a state saved from another subspace or another starting point theta_0."""
        if state.get("settings") != self.settings:
            raise ValueError(
                f"the state was saved from a subspace with settings {state.get('settings')}, this one has "
                f"{self.settings}: rebuild it with SubspaceModule.from_state(model, state)"
            )
        if state.get("theta_start_sha256") != weights_fingerprint(self.theta_start):
            raise ValueError(
                "the state's phi belongs to other starting weights theta_0 than this network's: wrap the same initial "
                "network (same initialisation seed or pretrained checkpoint) before loading it"
            )

    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        super()._save_to_state_dict(destination, prefix, keep_vars)
        for name, value in self._network_buffers().items():
            destination[prefix + BUFFER_PREFIX + name] = value if keep_vars else value.detach()

    def _load_from_state_dict(
        self,
        state_dict: Mapping[str, Any],
        prefix: str,
        local_metadata: dict,
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        if (extra := prefix + "_extra_state") in state_dict:
            self.set_extra_state(state_dict[extra])  # first, so a wrong subspace is named before any shape error
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )
        own = self._network_buffers()
        with torch.no_grad():
            for name, buffer in own.items():
                if (key := prefix + BUFFER_PREFIX + name) in state_dict:
                    buffer.copy_(state_dict[key])
                elif strict:
                    missing_keys.append(key)
        ours = {prefix + BUFFER_PREFIX + name for name in own}
        unexpected_keys[:] = [key for key in unexpected_keys if key not in ours]
