"""Burn-in in the full space (SGD with momentum) and training of phi inside an affine subspace (Adam)."""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch import nn
from torch.func import functional_call
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
    batch_size: int = 256,
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of `logits_fn` over (x, y), in batches small enough for the CPU's caches
    (on Conv-2, 4,000 digits in batches of 1,000 took twice as long as in batches of 256)."""
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


def _adam(params: list[torch.Tensor], config: SubspaceConfig) -> torch.optim.Adam:
    return torch.optim.Adam(params, lr=config.lr, betas=(config.beta1, config.beta2), eps=config.eps)


def _finish(subspace: AffineSubspace, phi: torch.Tensor, data: Dataset, status: str, steps: int) -> dict:
    """Evaluate a trained phi on train and test; a non-finite phi or loss turns the run into 'diverged' (NaN)."""
    subspace.model.eval()
    phi = phi.detach()
    metrics = dict.fromkeys(("train_loss", "train_acc", "test_loss", "test_acc"), float("nan"))
    if status == "ok" and not torch.isfinite(phi).all():
        status = "diverged"
    if status == "ok":
        logits = subspace.logits_at(phi)
        train_loss, train_acc = evaluate(logits, data.x_train, data.y_train)
        test_loss, test_acc = evaluate(logits, data.x_test, data.y_test)
        if math.isfinite(train_loss) and math.isfinite(test_loss):
            metrics = {"train_loss": train_loss, "train_acc": train_acc, "test_loss": test_loss, "test_acc": test_acc}
        else:
            status = "diverged"
    phi_norm = float(phi.norm()) if status == "ok" else float("nan")
    return {"status": status, "steps": steps, **metrics, "phi_norm": phi_norm}


def train_subspace(subspace: AffineSubspace, data: Dataset, batch_seed: int, config: SubspaceConfig) -> SubspaceResult:
    """Train phi from 0 with Adam on mini-batches drawn from `batch_seed`, then evaluate train and test."""
    start = time.perf_counter()
    phi = torch.zeros(subspace.projection.dim, requires_grad=True, device=subspace.theta_start.device)
    optimizer = _adam([phi], config)
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
    outcome = _finish(subspace, phi, data, status, done)
    return SubspaceResult(**outcome, wall_time_s=time.perf_counter() - start)


def can_vmap(model: nn.Module) -> bool:
    """Whether runs of this architecture can train together under torch.func.vmap: no buffers (BatchNorm's
    running statistics are updated in place, which a vmapped forward cannot do)."""
    return next(model.buffers(), None) is None


def train_subspaces_vmapped(
    subspaces: list[AffineSubspace], data: Dataset, batch_seeds: list[int], config: SubspaceConfig
) -> list[SubspaceResult]:
    """Train several subspaces of one architecture together: one torch.func.vmap forward and backward over their
    stacked weights theta_b = theta_b,start + A_b phi_b, each run with its own A, start, batch order and Adam state.

    The same runs as `train_subspace` one after another (equal up to float rounding of the batched kernels): Adam
    is elementwise per tensor, a run whose loss turns non-finite stops there ('diverged') while the others go on.
    On a GPU this fills the device with small networks; every run's wall_time_s is the batch's time / its size."""
    if len(subspaces) != len(batch_seeds) or not subspaces:
        raise ValueError(f"need one batch seed per subspace, got {len(subspaces)} subspaces, {len(batch_seeds)} seeds")
    model, layout = subspaces[0].model, subspaces[0].layout
    if not can_vmap(model):
        raise ValueError(f"{type(model).__name__} has buffers (BatchNorm): train its runs one after another")
    if any(s.layout != layout for s in subspaces):
        raise ValueError("subspaces trained together must share one architecture")
    start = time.perf_counter()
    device = subspaces[0].theta_start.device
    phis = [torch.zeros(s.projection.dim, requires_grad=True, device=device) for s in subspaces]
    optimizer = _adam(phis, config)
    n_steps = config.epochs * steps_per_epoch(len(data.y_train), config.batch_size)
    streams = [minibatches(len(data.y_train), config.batch_size, seed) for seed in batch_seeds]

    def logits(theta: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return functional_call(model, layout.unflatten(theta), (x,))

    batched_logits = torch.func.vmap(logits)
    alive = [True] * len(subspaces)
    done = [0] * len(subspaces)
    model.train()
    for _ in range(n_steps):
        idx = torch.stack([next(stream) for stream in streams])
        optimizer.zero_grad(set_to_none=True)
        thetas = torch.stack([s.theta(phi) for s, phi in zip(subspaces, phis)])
        out = batched_logits(thetas, data.x_train[idx])
        labels = data.y_train[idx]
        losses = F.cross_entropy(out.flatten(0, 1), labels.flatten(), reduction="none").view(labels.shape).mean(1)
        finite = torch.isfinite(losses).tolist()
        alive = [a and f for a, f in zip(alive, finite)]
        if not any(alive):
            break
        losses[torch.tensor(alive, device=losses.device)].sum().backward()
        for phi, a in zip(phis, alive):
            if not a:
                phi.grad = None  # a stopped run: Adam skips it
        optimizer.step()
        done = [n + a for n, a in zip(done, alive)]
    statuses = ["ok" if a else "diverged" for a in alive]
    outcomes = [_finish(s, phi, data, st, n) for s, phi, st, n in zip(subspaces, phis, statuses, done)]
    wall = (time.perf_counter() - start) / len(subspaces)
    return [SubspaceResult(**outcome, wall_time_s=wall) for outcome in outcomes]


def config_from(cls: type, mapping: dict) -> object:
    """Build a config dataclass from a mapping, ignoring keys that are not its fields (e.g. grid axes)."""
    names = {field.name for field in dataclasses.fields(cls)}
    return cls(**{key: value for key, value in mapping.items() if key in names})


def full_space_steps(
    model: nn.Module, data: Dataset, optimizer: torch.optim.Optimizer, n_steps: int, batch_size: int, batch_seed: int
) -> Iterator[int]:
    """Up to n_steps optimiser steps on every weight of `model` (cross-entropy, mini-batches from `batch_seed`),
    yielding the count of steps done after each; a non-finite loss ends them before its update."""
    batches = minibatches(len(data.y_train), batch_size, batch_seed)
    model.train()
    for step in range(1, n_steps + 1):
        idx = next(batches)
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(data.x_train[idx]), data.y_train[idx])
        if not torch.isfinite(loss):
            return
        loss.backward()
        optimizer.step()
        yield step


def train_full(model: nn.Module, data: Dataset, batch_seed: int, config: SubspaceConfig) -> tuple[torch.Tensor, int]:
    """Train every weight of `model` with the subspace runs' optimiser and budget (Adam, config.epochs epochs).

    The full-space counterpart of train_subspace: same Adam, learning rate, batch size and number of steps, so the
    solution theta* it returns has had the budget of one subspace run. Returns (flat theta*, steps done); a
    non-finite loss stops the training early (steps < the budget) and leaves the weights before that step."""
    optimizer = _adam(list(model.parameters()), config)
    n_steps = config.epochs * steps_per_epoch(len(data.y_train), config.batch_size)
    done = sum(1 for _ in full_space_steps(model, data, optimizer, n_steps, config.batch_size, batch_seed))
    model.eval()
    return flatten_params(model), done
