"""Lottery tickets (the lottery stage): a global magnitude mask over all D parameters keeping round(f D) weights,
rewound to theta_0 (or to the weights after `rewind_step` steps) and retrained with the pruned weights held at exactly
0. Iterative magnitude pruning with rewinding (Frankle & Carbin) prunes `prune_rate_per_round` of the surviving weights
per round; the authors' one-shot variant prunes once from a briefly pre-trained network. A ticket's training dimension d
is its number of kept weights."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import torch
from torch import nn

from dof.config import SubspaceConfig, TicketConfig
from dof.engine.data import Dataset
from dof.engine.network import restore_network
from dof.engine.seeding import derive_seed, run_seeds
from dof.engine.subspace import ParamLayout, flatten_params, load_flat_params
from dof.engine.training import finite_metrics, full_space_loop, steps_per_epoch, subspace_steps
from dof.stages.record import run_record


def kept_count(fraction: float, n_params: int) -> int:
    """Weights a ticket of kept fraction f keeps: round(f D), at least 1."""
    if not 0 < fraction <= 1:
        raise ValueError(f"kept fraction must be in (0, 1], got {fraction}")
    return max(1, min(n_params, round(fraction * n_params)))


def magnitude_mask(theta: torch.Tensor, kept: int, current: torch.Tensor | None = None) -> torch.Tensor:
    """Global magnitude pruning: a bool mask keeping exactly `kept` of the weights with the largest |theta| among
    those `current` still keeps (all when None). Ties at the threshold go to the lower index, so the count is exact."""
    scores = theta.detach().abs().flatten().double()
    if current is not None:
        if int(current.sum()) < kept:
            raise ValueError(f"cannot keep {kept} weights of a mask that keeps {int(current.sum())}")
        scores = torch.where(current.flatten(), scores, torch.full_like(scores, -1.0))
    order = torch.sort(-scores, stable=True).indices  # descending magnitude, ties by ascending index
    mask = torch.zeros(scores.numel(), dtype=torch.bool)
    mask[order[:kept]] = True
    return mask.view_as(theta)


def pruning_rounds(kept_fractions: Sequence[float], prune_rate: float) -> list[float]:
    """Kept fractions visited by iterative pruning: from 1 downwards, at most `prune_rate` of the survivors pruned
    per round, landing exactly on every requested fraction."""
    if not 0 < prune_rate < 1:
        raise ValueError(f"prune rate per round must be in (0, 1), got {prune_rate}")
    rounds, current = [1.0], 1.0
    for target in sorted({float(f) for f in kept_fractions if f < 1}, reverse=True):
        while current * (1 - prune_rate) > target * (1 + 1e-9):
            current *= 1 - prune_rate
            rounds.append(current)
        current = target
        rounds.append(target)
    return rounds


@dataclass(frozen=True)
class MaskedResult:
    theta: torch.Tensor
    rewind_theta: torch.Tensor
    status: str
    steps: int


def train_masked(
    model: nn.Module,
    data: Dataset,
    theta_start: torch.Tensor,
    mask: torch.Tensor,
    batch_seed: int,
    steps: int,
    lr_schedule: Sequence[float],
    momentum: float,
    batch_size: int,
    weight_decay: float = 0.0,
    record_step: int = 0,
) -> MaskedResult:
    """SGD with momentum on the weights `mask` keeps, from theta_start * mask; the learning rate runs through
    `lr_schedule` in equal stages. Pruned weights stay exactly 0: their gradients are zeroed before and the mask is
    re-applied after every step. Weight decay (if any) acts on conv kernels only. Also returns the weights after
    `record_step` steps (the rewind point)."""
    layout = ParamLayout.of(model)
    load_flat_params(model, theta_start * mask)
    params = list(model.parameters())
    masks = [
        piece.view(shape).to(params[0].dtype)
        for piece, shape in zip(torch.split(mask.flatten(), [s.numel() for s in layout.shapes]), layout.shapes)
    ]
    conv = [p for p in params if p.dim() == 4]
    other = [p for p in params if p.dim() != 4]
    groups = [{"params": conv, "weight_decay": weight_decay}, {"params": other, "weight_decay": 0.0}]
    optimizer = torch.optim.SGD([g for g in groups if g["params"]], lr=lr_schedule[0], momentum=momentum)
    stage_length = max(1, math.ceil(steps / len(lr_schedule)))
    rewind = flatten_params(model)

    def schedule(step: int) -> None:
        nonlocal rewind
        if step == record_step:
            rewind = flatten_params(model)
        for group in optimizer.param_groups:
            group["lr"] = lr_schedule[min(step // stage_length, len(lr_schedule) - 1)]

    @torch.no_grad()
    def mask_gradients() -> None:
        for p, m in zip(params, masks):
            p.grad.mul_(m)

    @torch.no_grad()
    def mask_weights(_: int) -> None:
        for p, m in zip(params, masks):
            p.mul_(m)

    loop = full_space_loop(
        model,
        data,
        optimizer,
        steps,
        batch_size,
        batch_seed,
        f"masked training, {int(mask.sum())} weights",
        before_step=schedule,
        after_backward=mask_gradients,
        after_step=mask_weights,
    )
    if record_step >= loop.steps and loop.status == "ok":
        rewind = flatten_params(model)
    model.eval()
    return MaskedResult(theta=flatten_params(model), rewind_theta=rewind, status=loop.status, steps=loop.steps)


def lottery_tickets(
    data: Dataset,
    start: Mapping[str, Any],
    config: TicketConfig,
    subspace: SubspaceConfig,
    run_config: dict[str, Any],
    device: str = "cpu",
) -> pd.DataFrame:
    """Lottery tickets of one theta_0 checkpoint at every kept fraction, by iterative magnitude pruning with
    rewinding (method 'lottery_ticket') and by the authors' one-shot pruning ('lottery_ticket_one_shot'); one record
    per (variant, fraction), d = kept weights, with kept_fraction, prune_round and rewind_step."""
    seed = int(start["seed"])
    if int(start["t0"]) != 0:
        raise ValueError(f"lottery tickets rewind to theta_0 (t0 = 0), got a t0={start['t0']} checkpoint")
    model = restore_network(start, data, device)
    n_params = ParamLayout.of(model).n_params
    theta_0 = start["theta"].detach().clone()
    retrain_steps = config.retrain_steps or subspace_steps(len(data.y_train), subspace)
    batch_seed = derive_seed("ticket-retrain-batches", seed)
    requested = sorted({float(f) for f in config.kept_fractions}, reverse=True)
    seeds = {key: run_seeds(seed, 0)[key] for key in ("init_seed", "burn_in_batch_seed")} | {"batch_seed": batch_seed}
    projection = {"kind": "mask", "rewind_step": config.rewind_step}
    start = {**start, "n_params": n_params}

    def retrain(mask: torch.Tensor, rewind_theta: torch.Tensor, record: int = 0) -> tuple[MaskedResult, dict]:
        begin = time.perf_counter()
        result = train_masked(
            model,
            data,
            rewind_theta,
            mask,
            batch_seed,
            retrain_steps,
            config.lr_schedule,
            config.momentum,
            config.batch_size,
            record_step=record,
        )
        status, metrics = finite_metrics(model, data, result.status)
        wall = time.perf_counter() - begin
        return result, {"status": status, "steps": result.steps, **metrics, "phi_norm": math.nan, "wall_time_s": wall}

    def record(method: str, fraction: float, mask: torch.Tensor, prune_round: int, outcome: dict) -> dict:
        columns = {"method": method, "rewind_step": config.rewind_step, "kept_fraction": fraction}
        d = int(mask.sum())
        return run_record(
            data, start, d, seeds, projection, outcome, run_config, device, **columns, prune_round=prune_round
        )

    rows = []
    if config.iterative:
        mask = torch.ones(n_params, dtype=torch.bool)
        rewind_theta = trained = theta_0
        for prune_round, fraction in enumerate(pruning_rounds(requested, config.prune_rate_per_round)):
            if prune_round > 0:
                mask = magnitude_mask(trained, kept_count(fraction, n_params), current=mask)
            result, outcome = retrain(mask, rewind_theta, record=config.rewind_step)
            if prune_round == 0 and config.rewind_step > 0:
                rewind_theta = result.rewind_theta
            trained = result.theta
            if any(math.isclose(fraction, f) for f in requested):
                rows.append(record("lottery_ticket", fraction, mask, prune_round, outcome))
            if result.status != "ok":  # later rounds would prune a diverged network
                break
    if config.one_shot:
        pretrain_steps = config.pretrain_epochs * steps_per_epoch(len(data.y_train), config.batch_size)
        dense = torch.ones(n_params, dtype=torch.bool)
        pretrained = train_masked(
            model,
            data,
            theta_0,
            dense,
            derive_seed("ticket-pretrain-batches", seed),
            pretrain_steps,
            [config.pretrain_lr],
            config.momentum,
            config.batch_size,
            config.weight_decay,
            record_step=config.rewind_step,
        )
        rewind_theta = pretrained.rewind_theta if config.rewind_step > 0 else theta_0
        for fraction in requested:
            mask = magnitude_mask(pretrained.theta, kept_count(fraction, n_params))
            _, outcome = retrain(mask, rewind_theta)
            rows.append(record("lottery_ticket_one_shot", fraction, mask, 1, outcome))
    return pd.DataFrame(rows)
