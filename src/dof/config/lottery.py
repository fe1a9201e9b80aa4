"""The `lottery` block: lottery subspaces, lottery tickets and supermasks."""

from __future__ import annotations

from typing import Annotated, ClassVar

from dof.config.base import (
    Flag,
    Fraction,
    Items,
    Number,
    Positive,
    PositiveNumber,
    Seeds,
    SupermaskEstimator,
    SupermaskRescaling,
    SupermaskScope,
    SvdMethod,
    block,
    key,
)


@block
class TicketConfig:
    """Magnitude pruning with rewinding and masked retraining (lottery tickets).

    Retraining is SGD with momentum through the stages of `lr_schedule`, each `retrain_steps / len(lr_schedule)` steps
    long (the authors: 0.1, 0.03, 0.01, 0.003 at 400-step boundaries, 1,600 steps; here scaled to `retrain_steps`,
    by default the subspace runs' budget of epochs). The one-shot variant first pre-trains `pretrain_epochs` epochs
    (lr 0.05, momentum 0.9, weight decay on the conv kernels), prunes once per kept fraction, rewinds and retrains."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "seeds_per_job")
    enabled: Flag = key(True, "compute lottery tickets (when `lottery.enabled`)")
    iterative: Flag = key(True, "iterative magnitude pruning with rewinding")
    one_shot: Flag = key(True, "the authors' one-shot pruning after a short pre-training")
    kept_fractions: Annotated[tuple[Fraction, ...], Items(1)] = key(
        (1.0, 0.5, 0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.0025, 0.001), "fractions of the weights a ticket keeps"
    )
    prune_rate_per_round: Number = key(
        0.5, "fraction of the surviving weights pruned per round (rounds land on every kept fraction)", gt=0, lt=1
    )
    rewind_step: int = key(0, "rewind to theta_0 (0) or to the weights after k steps", ge=0)
    lr_schedule: Annotated[tuple[PositiveNumber, ...], Items(1, unique=False)] = key(
        (0.1, 0.03, 0.01, 0.003),
        "retraining SGD learning rates, in equal stages of retrain_steps (the authors, 400 steps each)",
    )
    momentum: Number = key(0.9, "retraining SGD momentum", ge=0, le=1)
    batch_size: int = key(128, "mini-batch size of (re)training", ge=1)
    retrain_steps: int | None = key(
        None, "steps of each (re)training; null = the subspace runs' budget (`subspace.epochs` epochs)", ge=1
    )
    pretrain_epochs: int = key(2, "one-shot pre-training epochs", ge=1)
    pretrain_lr: Number = key(0.05, "one-shot pre-training SGD learning rate", gt=0)
    weight_decay: Number = key(1e-4, "weight decay on the conv kernels during one-shot pre-training", ge=0)
    seeds_per_job: int = key(1, "seeds whose tickets one job computes", ge=1)


@block
class SupermaskConfig:
    """Supermasks: a binary mask over frozen weights (theta_0, or the burn-in checkpoint `start_t0`), learned through
    one score per weight with SGD momentum; no weight is trained.

    `edge_popup` (Ramanujan et al.) keeps the top round(f D) scores |s| (apportioned to the layers, or `global`) with a
    straight-through gradient; `bernoulli` (Zhou et al.) samples a mask from sigmoid(s) (init logit f) with a
    straight-through gradient and is evaluated with its top round(f D) probabilities, so d = round(f D) for both."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "seeds_per_job")
    enabled: Flag = key(False, "compute supermasks (when `lottery.enabled`)")
    estimator: SupermaskEstimator = key(
        "edge_popup",
        "edge_popup (Ramanujan et al.: the top-k scores |s| keep their weights, straight-through gradient) or "
        "bernoulli (Zhou et al.: a mask sampled from sigmoid(s), init logit f, straight-through gradient; evaluated "
        "with its top round(f D) probabilities)",
    )
    scope: SupermaskScope = key(
        "layer", "top-k per parameter tensor (counts apportioned so that they sum to round(f D)) or over all D weights"
    )
    kept_fractions: Annotated[tuple[Fraction, ...], Items(1)] | None = key(
        None, "fractions of the weights a supermask keeps; null = `lottery.tickets.kept_fractions`"
    )
    signed_constant: Flag = key(
        False,
        "Zhou et al.'s signed constant: every weight tensor (dim >= 2) replaced by sign(w) x the std of its initial "
        "values; biases keep theirs",
    )
    rescale: SupermaskRescaling = key(
        "variance",
        "each tensor's kept weights times sqrt(size / kept) (variance-preserving, the default), times size / kept "
        "(Zhou et al.'s dynamic rescaling, which blows the logits up at small fractions), or unchanged",
    )
    start_t0: int = key(
        0, "the frozen weights: theta_0 (0) or the burn-in checkpoint theta_t0 (a value of `burn_in.t0`)", ge=0
    )
    lr: Number = key(0.1, "SGD learning rate of the scores (Zhou et al. use 100 with bernoulli on FC)", gt=0)
    momentum: Number = key(0.9, "SGD momentum of the scores", ge=0, le=1)
    batch_size: int = key(128, "mini-batch size of score training", ge=1)
    steps: int | None = key(
        None, "score training steps; null = the subspace runs' budget (`subspace.epochs` epochs)", ge=1
    )
    seeds_per_job: int = key(1, "seeds whose supermasks one job computes", ge=1)


@block
class LotteryConfig:
    """Lottery subspaces (top singular vectors of the training trajectory from theta_0) and lottery tickets."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "dims", "seeds", "seeds_per_job", "tickets", "supermask")
    enabled: Flag = key(False, "run the lottery stage")
    dims: Annotated[tuple[Positive, ...], Items(0)] = key(
        (4, 8, 16, 32, 64, 128),
        "training dimensions d of the lottery subspaces (at most svd_rank and trajectory_steps / record_every)",
    )
    seeds: Seeds | None = key(None, "run seeds of the lottery stage; null: the subspace seeds (`subspace.seeds`)")
    seeds_per_job: int = key(5, "lottery subspace runs (seeds) per job", ge=1)
    trajectory_steps: int = key(
        640,
        "full-space SGD steps with the burn_in block's lr, momentum and batch size (defaults 0.05, 0.9, 128) from "
        "theta_0, whose increments are recorded",
        ge=1,
    )
    record_every: int = key(5, "one increment column every k steps", ge=1)
    svd: SvdMethod = key(
        "full", "torch.linalg.svd of the D x (T / k) matrix, or torch.svd_lowrank (randomised) when it does not fit"
    )
    svd_rank: int = key(1024, "singular vectors kept in the artifact (capped at the number of columns)", ge=1)
    tickets: TicketConfig = key(
        TicketConfig(), "lottery tickets: magnitude pruning with rewinding and masked retraining"
    )
    supermask: SupermaskConfig = key(
        SupermaskConfig(),
        "supermasks: a binary mask over frozen weights learned through one score per weight, no weight trained; "
        "method `supermask` in methods.parquet, d = the kept weights round(f D) as for tickets",
    )

    @property
    def n_columns(self) -> int:
        """Columns of the trajectory matrix: one weight increment every record_every steps."""
        return self.trajectory_steps // self.record_every
