"""Burn-in in the full space (SGD with momentum) and training of phi inside an affine subspace (Adam)."""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from dof.data import Dataset
from dof.seeding import generator
from dof.subspace import AffineSubspace, flatten_params


@dataclass(frozen=True)
class BurnInConfig:
    """Full-space SGD with momentum, the protocol's burn-in optimiser."""

    lr: float = 0.05
    momentum: float = 0.9
    batch_size: int = 128


@dataclass(frozen=True)
class SubspaceConfig:
    """Adam on phi with the protocol's hyper-parameters (correct bias correction, unlike the authors' code)."""

    lr: float = 0.05
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-7
    batch_size: int = 128
    epochs: int = 3


def minibatches(n_examples: int, batch_size: int, seed: int) -> Iterator[torch.Tensor]:
    """Endless epochs of shuffled index batches; the order depends only on `seed`."""
    gen = generator(seed)
    while True:
        order = torch.randperm(n_examples, generator=gen)
        yield from torch.split(order, batch_size)


def steps_per_epoch(n_examples: int, batch_size: int) -> int:
    return math.ceil(n_examples / batch_size)


@torch.no_grad()
def evaluate(
    logits_fn: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    batch_size: int = 1000,
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of `logits_fn` over (x, y)."""
    total_loss, correct = 0.0, 0
    for xb, yb in zip(torch.split(x, batch_size), torch.split(y, batch_size)):
        logits = logits_fn(xb)
        total_loss += F.cross_entropy(logits, yb, reduction="sum").item()
        correct += (logits.argmax(dim=1) == yb).sum().item()
    return total_loss / len(y), correct / len(y)


def burn_in(model: nn.Module, data: Dataset, steps: int, batch_seed: int, config: BurnInConfig) -> torch.Tensor:
    """Train `model` in the full space for `steps` mini-batches and return the flat weights theta_t."""
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum)
    batches = minibatches(len(data.y_train), config.batch_size, batch_seed)
    model.train()
    for _ in range(steps):
        idx = next(batches)
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(data.x_train[idx]), data.y_train[idx])
        loss.backward()
        optimizer.step()
    return flatten_params(model)


@dataclass(frozen=True)
class SubspaceResult:
    """Outcome of one subspace run; status is 'ok' or 'diverged' (a non-finite loss stops the run)."""

    status: str
    steps: int
    train_loss: float
    train_acc: float
    test_loss: float
    test_acc: float
    phi_norm: float
    wall_time_s: float


def train_subspace(subspace: AffineSubspace, data: Dataset, batch_seed: int, config: SubspaceConfig) -> SubspaceResult:
    """Train phi from 0 with Adam on mini-batches drawn from `batch_seed`, then evaluate train and test."""
    start = time.perf_counter()
    phi = torch.zeros(subspace.projection.dim, requires_grad=True, device=subspace.theta_start.device)
    optimizer = torch.optim.Adam([phi], lr=config.lr, betas=(config.beta1, config.beta2), eps=config.eps)
    n_steps = config.epochs * steps_per_epoch(len(data.y_train), config.batch_size)
    batches = minibatches(len(data.y_train), config.batch_size, batch_seed)
    status, done = "ok", 0
    subspace.model.train()
    for _ in range(n_steps):
        idx = next(batches)
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(subspace.forward(data.x_train[idx], phi), data.y_train[idx])
        if not torch.isfinite(loss):
            status = "diverged"
            break
        loss.backward()
        optimizer.step()
        done += 1
    subspace.model.eval()
    phi_final = phi.detach()
    if status == "ok" and not torch.isfinite(phi_final).all():
        status = "diverged"
    if status == "ok":

        def logits(x: torch.Tensor) -> torch.Tensor:
            return subspace.forward(x, phi_final)

        train_loss, train_acc = evaluate(logits, data.x_train, data.y_train)
        test_loss, test_acc = evaluate(logits, data.x_test, data.y_test)
        if not (math.isfinite(train_loss) and math.isfinite(test_loss)):
            status = "diverged"
    if status != "ok":
        train_loss = train_acc = test_loss = test_acc = float("nan")
    return SubspaceResult(
        status=status,
        steps=done,
        train_loss=train_loss,
        train_acc=train_acc,
        test_loss=test_loss,
        test_acc=test_acc,
        phi_norm=float(phi_final.norm()) if status == "ok" else float("nan"),
        wall_time_s=time.perf_counter() - start,
    )


def config_from(cls: type, mapping: dict) -> object:
    """Build a config dataclass from a mapping, ignoring keys that are not its fields (e.g. grid axes)."""
    names = {field.name for field in dataclasses.fields(cls)}
    return cls(**{key: value for key, value in mapping.items() if key in names})


def train_full(model: nn.Module, data: Dataset, batch_seed: int, config: SubspaceConfig) -> tuple[torch.Tensor, int]:
    """Train every weight of `model` with the subspace runs' optimiser and budget (Adam, config.epochs epochs).

    The full-space counterpart of train_subspace: same Adam, learning rate, batch size and number of steps, so the
    solution theta* it returns has had the budget of one subspace run. Returns (flat theta*, steps done); a
    non-finite loss stops the training early (steps < the budget) and leaves the weights before that step."""
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, betas=(config.beta1, config.beta2), eps=config.eps)
    n_steps = config.epochs * steps_per_epoch(len(data.y_train), config.batch_size)
    batches = minibatches(len(data.y_train), config.batch_size, batch_seed)
    model.train()
    done = 0
    for _ in range(n_steps):
        idx = next(batches)
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(data.x_train[idx]), data.y_train[idx])
        if not torch.isfinite(loss):
            break
        loss.backward()
        optimizer.step()
        done += 1
    model.eval()
    return flatten_params(model), done
