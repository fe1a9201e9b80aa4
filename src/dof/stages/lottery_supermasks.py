"""Supermasks, the lottery stage's third method: a binary mask over frozen random weights, learned through one score per
weight while no weight trains.

The network runs at theta = w * mask(scores) * rescale through torch.func.functional_call, so that only the score
vector is an optimiser parameter. `edge_popup` (Ramanujan et al.) keeps the top round(f D) scores |s| with a
straight-through gradient; `bernoulli` (Zhou et al.) samples the mask from sigmoid(s) with a straight-through
gradient to sigmoid(s) and is evaluated with its top round(f D) probabilities. d = the kept weights, as for tickets."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
import torch
from torch import nn
from torch.func import functional_call
from torch.nn import functional as F

from dof.config import SubspaceConfig, SupermaskConfig
from dof.engine.data import Dataset, Features, rows
from dof.engine.models import functional_logits, logits_of
from dof.engine.network import restore_network
from dof.engine.seeding import derive_seed, generator, run_seeds
from dof.engine.subspace import ParamLayout
from dof.engine.training import Progress, finite_metrics, guarded_steps, minibatches, steps_per_epoch, subspace_steps
from dof.stages.lottery_tickets import kept_count
from dof.stages.record import run_record

RESCALINGS = ("variance", "mean", "none")
"""Kept weights times sqrt(size / kept) per tensor (variance-preserving), times size / kept (Zhou et al.), or 1."""
ESTIMATORS = ("edge_popup", "bernoulli")
SCOPES = ("layer", "global")


def layer_counts(kept: int, sizes: Sequence[int]) -> list[int]:
    """Kept weights per tensor, proportional to its size, summing to exactly `kept` (largest remainders, ties to
    the lower index)."""
    total = sum(sizes)
    if not 0 <= kept <= total:
        raise ValueError(f"cannot keep {kept} of {total} weights")
    quotas = [kept * size / total for size in sizes]
    counts = [math.floor(q) for q in quotas]
    order = sorted(range(len(sizes)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in order[: kept - sum(counts)]:
        counts[i] += 1
    return counts


def top_k_mask(scores: torch.Tensor, counts: Sequence[int], sizes: Sequence[int]) -> torch.Tensor:
    """A 0/1 mask keeping the `counts[i]` largest scores of each consecutive piece of `sizes` (stable ties)."""
    pieces = []
    for piece, count in zip(torch.split(scores.detach(), list(sizes)), counts):
        order = torch.sort(-piece, stable=True).indices
        mask = torch.zeros_like(piece)
        mask[order[:count]] = 1.0
        pieces.append(mask)
    return torch.cat(pieces)


def signed_constant(theta: torch.Tensor, layout: ParamLayout) -> torch.Tensor:
    """Zhou et al.'s signed constant: each weight tensor (dim >= 2) as sign(w) x the std of its values; biases and
    other 1-d tensors unchanged."""
    pieces = []
    for piece, shape in zip(torch.split(theta, [s.numel() for s in layout.shapes]), layout.shapes):
        pieces.append(torch.sign(piece) * piece.std() if len(shape) >= 2 else piece)
    return torch.cat(pieces)


def initial_scores(layout: ParamLayout, estimator: str, fraction: float, seed: int) -> torch.Tensor:
    """edge_popup: kaiming-uniform scores, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) per tensor (Ramanujan et al.);
    bernoulli: the constant logit of the kept fraction, so that the expected kept fraction starts at f."""
    if estimator == "bernoulli":
        p = min(max(fraction, 1e-6), 1 - 1e-6)
        return torch.full((layout.n_params,), math.log(p / (1 - p)))
    gen = generator(seed)
    pieces = []
    for shape in layout.shapes:
        fan_in = max(1, shape.numel() // shape[0]) if len(shape) else 1
        pieces.append((torch.rand(shape.numel(), generator=gen) * 2 - 1) / math.sqrt(fan_in))
    return torch.cat(pieces)


class Supermask:
    """Frozen weights w of `model` and the masked network w * mask(scores) * rescale at one kept fraction."""

    def __init__(self, model: nn.Module, weights: torch.Tensor, fraction: float, config: SupermaskConfig):
        if config.estimator not in ESTIMATORS or config.scope not in SCOPES or config.rescale not in RESCALINGS:
            raise ValueError(
                f"estimator must be one of {ESTIMATORS}, scope one of {SCOPES}, rescale one of {RESCALINGS}"
            )
        self.model = model.requires_grad_(False)
        self.layout = ParamLayout.of(model)
        self.weights = weights.detach()
        self.config = config
        self.sizes = [s.numel() for s in self.layout.shapes]
        self.kept = kept_count(fraction, self.layout.n_params)
        scoped = self.sizes if config.scope == "layer" else [self.layout.n_params]
        self.counts, self.pieces = layer_counts(self.kept, scoped), scoped

    def hard_mask(self, scores: torch.Tensor) -> torch.Tensor:
        """The deterministic mask: the top `kept` scores (|s| for edge_popup, s = the logit for bernoulli)."""
        ranked = scores.detach().abs() if self.config.estimator == "edge_popup" else scores.detach()
        return top_k_mask(ranked, self.counts, self.pieces)

    def rescaling(self, mask: torch.Tensor) -> torch.Tensor:
        """Per weight: its tensor's size / its tensor's kept count (1 without rescaling; 0-kept tensors stay 0)."""
        if self.config.rescale == "none":
            return torch.ones_like(mask)
        kept = torch.stack([piece.sum() for piece in torch.split(mask.detach(), self.sizes)])
        factor = torch.tensor(self.sizes, dtype=mask.dtype, device=mask.device) / kept.clamp(min=1)
        if self.config.rescale == "variance":
            factor = factor.sqrt()
        return torch.repeat_interleave(factor, torch.tensor(self.sizes, device=mask.device))

    def train_mask(self, scores: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """The training forward's mask, valued 0/1 exactly, with a straight-through gradient to the scores."""
        if self.config.estimator == "edge_popup":
            soft = scores.abs()
            return self.hard_mask(scores) + (soft - soft.detach())
        p = torch.sigmoid(scores)
        sample = (torch.rand(p.shape, generator=gen).to(p.device) < p.detach()).to(p.dtype)
        return sample + (p - p.detach())

    def theta(self, mask: torch.Tensor) -> torch.Tensor:
        """The masked weights w * mask * rescale (differentiable in the mask, never in w)."""
        return self.weights * mask * self.rescaling(mask)

    def forward(self, x: Features, mask: torch.Tensor) -> torch.Tensor:
        return functional_logits(self.model, self.layout.unflatten(self.theta(mask)), x)

    @torch.no_grad()
    def logits_at(self, mask: torch.Tensor) -> Callable[..., torch.Tensor]:
        """The masked network's logits, called like the network (evaluation in batches)."""
        params = self.layout.unflatten(self.theta(mask.detach()))
        return lambda *args, **kwargs: logits_of(functional_call(self.model, params, args, kwargs))


def train_supermask(
    supermask: Supermask, data: Dataset, scores: torch.Tensor, steps: int, batch_seed: int, sample_seed: int
) -> tuple[torch.Tensor, str, int]:
    """SGD with momentum on the scores alone through `guarded_steps`; (trained scores, status, steps done)."""
    config = supermask.config
    scores = scores.detach().clone().requires_grad_(True)
    optimizer = torch.optim.SGD([scores], lr=config.lr, momentum=config.momentum)
    gen = generator(sample_seed)
    x, y = data.x_train, data.y_train

    def loss_of(idx: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(supermask.forward(rows(x, idx), supermask.train_mask(scores, gen)), y[idx])

    supermask.model.train()
    label = f"supermask ({config.estimator}), {supermask.kept} weights"
    progress = Progress(label, steps_per_epoch(len(y), config.batch_size), steps)
    loop = guarded_steps(
        loss_of, optimizer, minibatches(len(y), config.batch_size, batch_seed), steps, progress=progress
    )
    supermask.model.eval()
    status = loop.status if bool(torch.isfinite(scores).all()) else "diverged"
    return scores.detach(), status, loop.steps


def supermasks(
    data: Dataset,
    start: Mapping[str, Any],
    config: SupermaskConfig,
    kept_fractions: Sequence[float],
    subspace: SubspaceConfig,
    run_config: dict[str, Any],
    device: str = "cpu",
) -> pd.DataFrame:
    """Supermasks over one checkpoint's frozen weights at every kept fraction: one record per fraction with
    method 'supermask', d = round(f D) kept weights, kept_fraction, estimator, scope and signed_constant."""
    seed = int(start["seed"])
    if int(start["t0"]) != config.start_t0:
        raise ValueError(f"supermasks start from t0={config.start_t0}, got a t0={start['t0']} checkpoint")
    model = restore_network(start, data, device)
    layout = ParamLayout.of(model)
    weights = start["theta"].detach().clone().to(device)
    if config.signed_constant:
        weights = signed_constant(weights, layout)
    steps = config.steps or subspace_steps(len(data.y_train), subspace)
    batch_seed = derive_seed("supermask-batches", seed)
    seeds = {key: run_seeds(seed, 0)[key] for key in ("init_seed", "burn_in_batch_seed")} | {
        "batch_seed": batch_seed,
        "score_seed": derive_seed("supermask-scores", seed),
    }
    variant = {"estimator": config.estimator, "scope": config.scope, "signed_constant": config.signed_constant}
    projection = {"kind": "supermask", **variant, "rescale": config.rescale}
    start = {**start, "n_params": layout.n_params}
    rows = []
    for fraction in sorted({float(f) for f in kept_fractions}, reverse=True):
        begin = time.perf_counter()
        supermask = Supermask(model, weights, fraction, config)
        scores = initial_scores(layout, config.estimator, fraction, seeds["score_seed"]).to(device)
        sample_seed = derive_seed("supermask-samples", seed, supermask.kept)
        scores, status, done = train_supermask(supermask, data, scores, steps, batch_seed, sample_seed)
        mask = supermask.hard_mask(scores)
        logits = supermask.logits_at(mask) if status == "ok" else None
        status, metrics = finite_metrics(logits, data, status)
        expected = float(torch.sigmoid(scores).sum()) if config.estimator == "bernoulli" else float(mask.sum())
        outcome = {"status": status, "steps": done, **metrics, "phi_norm": math.nan}
        outcome["wall_time_s"] = time.perf_counter() - begin
        columns = {"method": "supermask", "kept_fraction": fraction, **variant, "expected_kept": expected}
        rows.append(run_record(data, start, int(mask.sum()), seeds, projection, outcome, run_config, device, **columns))
    return pd.DataFrame(rows)
