"""The one training loop (mini-batches, a non-finite guard, progress lines) and the trainings built on it: burn-in
and full-space training (SGD / Adam on every weight) and training of phi inside an affine subspace (Adam on the
parameters of a SubspaceModule, the public wrapper)."""

from __future__ import annotations

import logging
import math
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F
from tqdm import tqdm

from dof.config import BaselineConfig, BurnInConfig, SubspaceConfig
from dof.engine.data import Dataset, Features, row_batches, rows
from dof.engine.models import functional_logits, model_logits
from dof.engine.seeding import generator
from dof.engine.subspace import SubspaceModule, flatten_params

LOG = logging.getLogger("dof")


def minibatches(n_examples: int, batch_size: int, seed: int) -> Iterator[torch.Tensor]:
    """Endless epochs of shuffled index batches; the order depends only on `seed`."""
    gen = generator(seed)
    while True:
        order = torch.randperm(n_examples, generator=gen)
        yield from torch.split(order, batch_size)


def steps_per_epoch(n_examples: int, batch_size: int) -> int:
    return math.ceil(n_examples / batch_size)


@dataclass(frozen=True)
class LoopOutcome:
    """How a training loop ended: 'ok' after every step, 'diverged' at the first non-finite loss, or the status a
    `stop` hook returned."""

    status: str
    steps: int


class Progress:
    """Where a training is: timestamped lines through the `dof` logger, one per epoch with the epoch's mean
    mini-batch loss and accuracy and the time since the start (so `tail -f` on a job's log shows it), and, when
    stderr is a terminal (interactive use), a tqdm progress bar over the steps."""

    def __init__(self, label: str, steps_per_epoch: int, n_steps: int):
        self.label, self.per_epoch, self.n_steps = label, max(1, steps_per_epoch), n_steps
        self.start, self.total, self.correct, self.seen = time.perf_counter(), 0.0, 0.0, 0
        self.bar = tqdm(total=n_steps, desc=label, leave=False) if sys.stderr.isatty() else None

    def observe(self, logits: torch.Tensor, labels: torch.Tensor) -> None:
        """Count a mini-batch's correct predictions for the epoch's accuracy (kept on the device until the line)."""
        self.correct = self.correct + (logits.detach().argmax(dim=-1) == labels).sum()
        self.seen += labels.numel()

    def step(self, done: int, loss: torch.Tensor) -> None:
        self.total = self.total + loss.detach().sum()  # stays on the loss's device until the epoch's line
        if self.bar is not None:
            self.bar.update(1)
        if done % self.per_epoch == 0 or done == self.n_steps:
            accuracy = f", accuracy {float(self.correct) / self.seen:.4f}" if self.seen else ""
            LOG.info(
                "%s: epoch %d/%d, mean loss %.4f%s, %.1f s",
                self.label,
                math.ceil(done / self.per_epoch),
                math.ceil(self.n_steps / self.per_epoch),
                float(self.total) / ((done - 1) % self.per_epoch + 1),
                accuracy,
                time.perf_counter() - self.start,
            )
            self.total, self.correct, self.seen = 0.0, 0.0, 0
        if self.bar is not None and done == self.n_steps:
            self.bar.close()


def guarded_steps(
    loss_of: Callable[[torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
    batches: Iterator[torch.Tensor],
    n_steps: int,
    *,
    before_step: Callable[[int], None] | None = None,
    after_backward: Callable[[], None] | None = None,
    after_step: Callable[[int], None] | None = None,
    stop: Callable[[int], str | None] | None = None,
    progress: Progress | None = None,
) -> LoopOutcome:
    """The training loop every stage uses: up to n_steps optimiser steps, each on the loss of the next mini-batch of
    indices; a non-finite loss stops the loop before its update ('diverged'), so no NaN reaches the weights.

    Hooks: before_step(step) (learning-rate schedules, rewind points), after_backward() (gradient masks),
    after_step(steps done) (weight masks, trajectory records), stop(steps done), called after every finite loss
    before its backward and update: a status it returns (e.g. 'fitted', 'stuck') ends the loop there."""
    done = 0
    for step in range(n_steps):
        if before_step is not None:
            before_step(step)
        idx = next(batches)
        optimizer.zero_grad(set_to_none=True)
        loss = loss_of(idx)
        if not torch.isfinite(loss):
            return LoopOutcome("diverged", done)
        if stop is not None and (status := stop(done)) is not None:
            return LoopOutcome(status, done)
        loss.backward()
        if after_backward is not None:
            after_backward()
        optimizer.step()
        done += 1
        if after_step is not None:
            after_step(done)
        if progress is not None:
            progress.step(done, loss)
    return LoopOutcome("ok", done)


def full_space_loop(
    model: nn.Module,
    data: Dataset,
    optimizer: torch.optim.Optimizer,
    n_steps: int,
    batch_size: int,
    batch_seed: int,
    label: str,
    **hooks: Callable,
) -> LoopOutcome:
    """`guarded_steps` on the cross-entropy of every weight of `model` (train mode), mini-batches from `batch_seed`."""
    model.train()
    x, y = data.x_train, data.y_train

    progress = Progress(label, steps_per_epoch(len(y), batch_size), n_steps)

    def loss_of(idx: torch.Tensor) -> torch.Tensor:
        logits = model_logits(model, rows(x, idx))
        progress.observe(logits, y[idx])
        return F.cross_entropy(logits, y[idx])

    batches = minibatches(len(y), batch_size, batch_seed)
    return guarded_steps(loss_of, optimizer, batches, n_steps, progress=progress, **hooks)


@torch.no_grad()
def evaluate(
    logits_fn: Callable[..., Any],
    x: Features,
    y: torch.Tensor,
    batch_size: int = 256,
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of `logits_fn` (a network, or a callable called like one) over (x, y), in
    batches small enough for the CPU's caches (on Conv-2, 4,000 digits in batches of 1,000 took twice as long as in
    batches of 256)."""
    total_loss, correct = 0.0, 0
    for xb, yb in zip(row_batches(x, batch_size), torch.split(y, batch_size)):
        logits = model_logits(logits_fn, xb)
        total_loss += F.cross_entropy(logits, yb, reduction="sum").item()
        correct += (logits.argmax(dim=1) == yb).sum().item()
    return total_loss / len(y), correct / len(y)


def evaluate_split(logits_fn: Callable[..., Any], data: Dataset) -> dict[str, float]:
    """Train and test loss and accuracy of `logits_fn` as a record's four metric columns."""
    train_loss, train_acc = evaluate(logits_fn, data.x_train, data.y_train)
    test_loss, test_acc = evaluate(logits_fn, data.x_test, data.y_test)
    return {"train_loss": train_loss, "train_acc": train_acc, "test_loss": test_loss, "test_acc": test_acc}


def finite_metrics(logits_fn: Callable[..., Any] | None, data: Dataset, status: str) -> tuple[str, dict]:
    """(status, metrics) of a finished training: NaN metrics unless it is 'ok' and its losses are finite (else it
    becomes 'diverged')."""
    metrics = dict.fromkeys(("train_loss", "train_acc", "test_loss", "test_acc"), float("nan"))
    if status != "ok":
        return status, metrics
    measured = evaluate_split(logits_fn, data)
    if math.isfinite(measured["train_loss"]) and math.isfinite(measured["test_loss"]):
        return status, measured
    return "diverged", metrics


def burn_in(
    model: nn.Module,
    data: Dataset,
    steps: int,
    batch_seed: int,
    config: BurnInConfig,
    label: str = "burn-in",
    **hooks: Callable,
) -> tuple[torch.Tensor, LoopOutcome]:
    """Train `model` in the full space for `steps` SGD mini-batches; (flat weights theta_t, how the loop ended).
    `hooks` go to guarded_steps (e.g. after_step to record a trajectory); they do not change the steps.

    A non-finite loss stops the burn-in before its update: the weights are the last finite ones and the outcome
    says 'diverged', so that no subspace run starts from a NaN checkpoint."""
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum)
    outcome = full_space_loop(model, data, optimizer, steps, config.batch_size, batch_seed, label, **hooks)
    return flatten_params(model), outcome


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


def adam(params: list[torch.Tensor], config: SubspaceConfig | BaselineConfig) -> torch.optim.Adam:
    """torch's Adam with the config's learning rate, betas and eps (correct bias correction)."""
    return torch.optim.Adam(params, lr=config.lr, betas=(config.beta1, config.beta2), eps=config.eps)


def _finish(module: SubspaceModule, data: Dataset, status: str, steps: int) -> dict:
    """Evaluate a trained subspace on train and test; a non-finite phi, scale or loss turns the run into 'diverged'
    (NaN). phi_norm is the norm of phi (without SAID's scales)."""
    module.eval()
    trained = [p.detach() for p in module.parameters()]
    if status == "ok" and not all(torch.isfinite(p).all() for p in trained):
        status = "diverged"
    logits = module.logits_at() if status == "ok" else None
    status, metrics = finite_metrics(logits, data, status)
    phi_norm = float(module.phi.detach().norm()) if status == "ok" else float("nan")
    return {"status": status, "steps": steps, **metrics, "phi_norm": phi_norm}


def subspace_steps(n_examples: int, config: SubspaceConfig | BaselineConfig) -> int:
    """The step budget of a subspace run (or of the full-model baseline): config.epochs epochs of mini-batches."""
    return config.epochs * steps_per_epoch(n_examples, config.batch_size)


def subspace_loop(
    module: SubspaceModule, data: Dataset, batch_seed: int, config: SubspaceConfig, n_steps: int, label: str = "run"
) -> LoopOutcome:
    """`guarded_steps` of Adam on a subspace's parameters for n_steps mini-batches drawn from `batch_seed` (no
    evaluation)."""
    x, y = data.x_train, data.y_train

    progress = Progress(label, steps_per_epoch(len(y), config.batch_size), n_steps)

    def loss_of(idx: torch.Tensor) -> torch.Tensor:
        logits = model_logits(module, rows(x, idx))
        progress.observe(logits, y[idx])
        return F.cross_entropy(logits, y[idx])

    module.train()
    batches = minibatches(len(y), config.batch_size, batch_seed)
    return guarded_steps(loss_of, adam(list(module.parameters()), config), batches, n_steps, progress=progress)


def train_subspace(
    module: SubspaceModule, data: Dataset, batch_seed: int, config: SubspaceConfig, label: str = "run"
) -> SubspaceResult:
    """Train a subspace's parameters (phi, from 0, and SAID's scales) with Adam on mini-batches drawn from
    `batch_seed`, then evaluate train and test."""
    start = time.perf_counter()
    n_steps = subspace_steps(len(data.y_train), config)
    loop = subspace_loop(module, data, batch_seed, config, n_steps, label)
    outcome = _finish(module, data, loop.status, loop.steps)
    return SubspaceResult(**outcome, wall_time_s=time.perf_counter() - start)


def can_vmap(model: nn.Module) -> bool:
    """Whether runs of this architecture can train together under torch.func.vmap: no buffers (BatchNorm's
    running statistics are updated in place, which a vmapped forward cannot do)."""
    return next(model.buffers(), None) is None


def vmapped_loop(
    modules: list[SubspaceModule],
    data: Dataset,
    batch_seeds: list[int],
    config: SubspaceConfig,
    n_steps: int,
    label: str = "runs",
) -> tuple[list[str], list[int]]:
    """`guarded_steps` of several subspaces of one architecture together through one torch.func.vmap forward and
    backward (no evaluation); each run's status ('ok' or 'diverged') and steps done."""
    if len(modules) != len(batch_seeds) or not modules:
        raise ValueError(f"need one batch seed per subspace, got {len(modules)} subspaces, {len(batch_seeds)} seeds")
    model, layout = modules[0].network, modules[0].subspace.layout
    if not can_vmap(model):
        raise ValueError(f"{type(model).__name__} has buffers (BatchNorm): train its runs one after another")
    if any(m.subspace.layout != layout for m in modules):
        raise ValueError("subspaces trained together must share one architecture")
    params = [list(m.parameters()) for m in modules]
    streams = [minibatches(len(data.y_train), config.batch_size, seed) for seed in batch_seeds]

    def logits(theta: torch.Tensor, x: Features) -> torch.Tensor:
        return functional_logits(model, layout.unflatten(theta), x)

    batched_logits = torch.func.vmap(logits)
    alive = [True] * len(modules)
    done = [0] * len(modules)

    def loss_of(idx: torch.Tensor) -> torch.Tensor:
        """The summed loss of the runs still alive; a run whose own loss is non-finite stops here (NaN when all)."""
        nonlocal alive
        thetas = torch.stack([m.theta() for m in modules])
        out = batched_logits(thetas, rows(data.x_train, idx))
        labels = data.y_train[idx]
        losses = F.cross_entropy(out.flatten(0, 1), labels.flatten(), reduction="none").view(labels.shape).mean(1)
        alive = [a and f for a, f in zip(alive, torch.isfinite(losses).tolist())]
        if not any(alive):
            return torch.tensor(float("nan"))
        return losses[torch.tensor(alive, device=losses.device)].sum()

    def drop_stopped() -> None:
        for own, a in zip(params, alive):
            if not a:
                for p in own:
                    p.grad = None  # a stopped run: Adam skips it

    def count(_: int) -> None:
        nonlocal done
        done = [n + a for n, a in zip(done, alive)]

    for m in modules:
        m.train()
    batches = (torch.stack(indices) for indices in zip(*streams))
    progress = Progress(label, steps_per_epoch(len(data.y_train), config.batch_size), n_steps)
    optimizer = adam([p for own in params for p in own], config)
    guarded_steps(
        loss_of, optimizer, batches, n_steps, after_backward=drop_stopped, after_step=count, progress=progress
    )
    return ["ok" if a else "diverged" for a in alive], done


def train_subspaces_vmapped(
    modules: list[SubspaceModule], data: Dataset, batch_seeds: list[int], config: SubspaceConfig, label: str = "runs"
) -> list[SubspaceResult]:
    """Train several subspaces of one architecture together: one torch.func.vmap forward and backward over their
    stacked weights theta_b = module_b.theta() (the wrapper's own theta, so the same math), each run with its own
    A, start, batch order and Adam state.

    The same runs as `train_subspace` one after another (equal up to float rounding of the batched kernels): Adam
    is elementwise per tensor, a run whose loss turns non-finite stops there ('diverged') while the others go on.
    On a GPU this fills the device with small networks; every run's wall_time_s is the batch's time / its size."""
    start = time.perf_counter()
    n_steps = subspace_steps(len(data.y_train), config)
    statuses, done = vmapped_loop(modules, data, batch_seeds, config, n_steps, label)
    outcomes = [_finish(m, data, st, n) for m, st, n in zip(modules, statuses, done)]
    wall = (time.perf_counter() - start) / len(modules)
    return [SubspaceResult(**outcome, wall_time_s=wall) for outcome in outcomes]
