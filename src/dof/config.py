"""The experiment configuration: one dataclass per config block, the single source of every default.

`workflow/schemas/config.schema.yaml` repeats these defaults for Snakemake's validation; a test checks that the two
agree. `from_mapping` builds a block strictly (an unknown key is an error naming it); `hyperparameters` drops a
block's grid keys, so that rule params hold only what a job's numbers depend on."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from dof.engine.data import DATASET_SHAPES, TORCHVISION_FILES, check_available
from dof.engine.models import build_model, count_parameters

T = TypeVar("T")


@dataclass(frozen=True)
class SplitConfig:
    """Train/test split of an embedded dataset: the first n_train of a seeded permutation train."""

    n_train: int
    split_seed: int = 0


@dataclass(frozen=True)
class DataConfig:
    """Where torchvision datasets live and the splits of the embedded ones."""

    root: str = "data"
    download: bool = True
    mnist5k: SplitConfig = SplitConfig(n_train=4000)
    digits: SplitConfig = SplitConfig(n_train=1400)


@dataclass(frozen=True)
class BurnInConfig:
    """Full-space SGD with momentum for t0 steps before the subspace is drawn (the protocol's burn-in)."""

    GRID: ClassVar[tuple[str, ...]] = ("t0",)
    t0: tuple[int, ...] = (0, 4, 8, 16)
    lr: float = 0.05
    momentum: float = 0.9
    batch_size: int = 128


@dataclass(frozen=True)
class SubspaceConfig:
    """The subspace grid and Adam on phi (correct bias correction, unlike the authors' code)."""

    GRID: ClassVar[tuple[str, ...]] = ("dims", "seeds", "seeds_per_job")
    dims: tuple[int, ...] = ()
    seeds: tuple[int, ...] = ()
    seeds_per_job: int = 5
    vmap_runs: int = 1
    projection: str = "dense"
    nested: bool = True
    lr: float = 0.05
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-7
    batch_size: int = 128
    epochs: int = 3


@dataclass(frozen=True)
class RefineConfig:
    """Adaptive refinement of the d grid: per round, geometric midpoints inside the brackets where P_s crosses a
    level (dof.analysis.refinement), each round a Snakemake checkpoint."""

    rounds: int = 0
    resolution: float = 1.19
    levels: tuple[str, ...] = ("one_minus_delta", "half")
    metrics: tuple[str, ...] = ()
    epsilons: tuple[float, ...] = ()


@dataclass(frozen=True)
class ThresholdsConfig:
    """Success criteria and the d* statistics."""

    metrics: tuple[str, ...] = ("train_acc", "test_acc")
    epsilons: tuple[float, ...] = ()
    delta: float = 0.1
    n_bootstrap: int = 1000
    confidence: float = 0.95
    bootstrap_seed: int = 0
    refine: RefineConfig = RefineConfig()


DEFAULT_SPECTRA = (
    {"name": "bimodal", "kind": "bimodal", "params": {"fraction": 0.1, "large": 1.0, "small": 0.01}},
    {"name": "bulk", "kind": "bulk", "params": {"low": 0.001, "high": 1.0}},
)


@dataclass(frozen=True)
class QuadraticConfig:
    """Quadratic wells L = 1/2 (theta - theta*)^T H (theta - theta*) with a diagonal H (figure 5)."""

    n_params: int = 1000
    spectra: tuple[Mapping[str, Any], ...] = DEFAULT_SPECTRA
    distances: tuple[float, ...] = (1.0, 2.0, 4.0)
    epsilons: tuple[float, ...] = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1)
    dims: tuple[int, ...] | None = None
    n_subspaces: int = 40
    n_width_samples: int = 200
    n_starts: int = 1
    seed: int = 0
    delta: float = 0.1


@dataclass(frozen=True)
class HessianConfig:
    """Hessian spectra by Lanczos and stochastic Lanczos quadrature on a fixed training subset."""

    GRID: ClassVar[tuple[str, ...]] = ("n_seeds",)
    n_seeds: int = 1
    n_examples: int = 500
    lanczos_iterations: int = 40
    top_k: int = 20
    slq_probes: int = 3
    slq_iterations: int = 30
    seed: int = 0


@dataclass(frozen=True)
class PredictionConfig:
    """The quadratic-approximation prediction of d*(epsilon, t0) around theta*."""

    eigenvalue_floor: float = 0.0


@dataclass(frozen=True)
class TheoryConfig:
    quadratic: QuadraticConfig = QuadraticConfig()
    hessian: HessianConfig = HessianConfig()
    prediction: PredictionConfig = PredictionConfig()


@dataclass(frozen=True)
class BaselineConfig:
    """The full-model baseline theta*: every weight trained from theta_0 to convergence with its own Adam (a learning
    rate for full-space training, not the subspace runs'); the reference of d_int90, figures 2 and 7, and theory.

    A baseline whose train or test accuracy stays within `chance_margin` of chance (1 / n_classes), or whose train
    loss is no lower than chance's ln(n_classes), is 'not_trained' and, like a diverged one, is never a reference
    (d_int90 null, no dashed line)."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "chance_margin")
    enabled: bool = False
    lr: float = 0.001
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-7
    batch_size: int = 128
    epochs: int = 20
    chance_margin: float = 0.1


@dataclass(frozen=True)
class TicketConfig:
    """Magnitude pruning with rewinding and masked retraining (lottery tickets).

    Retraining is SGD with momentum through the stages of `lr_schedule`, each `retrain_steps / len(lr_schedule)` steps
    long (the authors: 0.1, 0.03, 0.01, 0.003 at 400-step boundaries, 1,600 steps; here scaled to `retrain_steps`,
    by default the subspace runs' budget of epochs). The one-shot variant first pre-trains `pretrain_epochs` epochs
    (lr 0.05, momentum 0.9, weight decay on the conv kernels), prunes once per kept fraction, rewinds and retrains."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "seeds_per_job")
    enabled: bool = True
    iterative: bool = True
    one_shot: bool = True
    kept_fractions: tuple[float, ...] = (1.0, 0.5, 0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.0025, 0.001)
    prune_rate_per_round: float = 0.5
    rewind_step: int = 0
    lr_schedule: tuple[float, ...] = (0.1, 0.03, 0.01, 0.003)
    momentum: float = 0.9
    batch_size: int = 128
    retrain_steps: int | None = None
    pretrain_epochs: int = 2
    pretrain_lr: float = 0.05
    weight_decay: float = 1e-4
    seeds_per_job: int = 1


@dataclass(frozen=True)
class SupermaskConfig:
    """Supermasks: a binary mask over frozen weights (theta_0, or the burn-in checkpoint `start_t0`), learned through
    one score per weight with SGD momentum; no weight is trained.

    `edge_popup` (Ramanujan et al.) keeps the top round(f D) scores |s| (apportioned to the layers, or `global`) with a
    straight-through gradient; `bernoulli` (Zhou et al.) samples a mask from sigmoid(s) (init logit f) with a
    straight-through gradient and is evaluated with its top round(f D) probabilities, so d = round(f D) for both."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "seeds_per_job")
    enabled: bool = False
    estimator: str = "edge_popup"
    scope: str = "layer"
    kept_fractions: tuple[float, ...] | None = None
    signed_constant: bool = False
    rescale: str = "variance"
    start_t0: int = 0
    lr: float = 0.1
    momentum: float = 0.9
    batch_size: int = 128
    steps: int | None = None
    seeds_per_job: int = 1


@dataclass(frozen=True)
class LotteryConfig:
    """Lottery subspaces (top singular vectors of the training trajectory from theta_0) and lottery tickets."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "dims", "seeds", "seeds_per_job", "tickets", "supermask")
    enabled: bool = False
    dims: tuple[int, ...] = (4, 8, 16, 32, 64, 128)
    seeds: tuple[int, ...] | None = None
    seeds_per_job: int = 5
    trajectory_steps: int = 640
    record_every: int = 5
    svd: str = "full"
    svd_rank: int = 1024
    tickets: TicketConfig = TicketConfig()
    supermask: SupermaskConfig = SupermaskConfig()

    @property
    def n_columns(self) -> int:
        """Columns of the trajectory matrix: one weight increment every record_every steps."""
        return self.trajectory_steps // self.record_every


@dataclass(frozen=True)
class GaussianConfig:
    """The synthetic jamming set: x ~ N(0, I) with random labels +-1, drawn afresh for every (P, seed)."""

    input_dim: int = 10
    n_test: int = 1000


@dataclass(frozen=True)
class JammingSubspaceConfig:
    """Degrees of freedom two ways: random affine subspaces (dimension d) of one wide FC network trained on the
    jamming task with its loss and stop rules; d*(P) where L = 0 is reached, beside N*(P). No dims: not run."""

    GRID: ClassVar[tuple[str, ...]] = ("dims", "seeds")
    dims: tuple[int, ...] = ()
    seeds: tuple[int, ...] | None = None
    depth: int = 1
    width: int = 128
    projection: str = "dense"
    nested: bool = True
    lr: float = 0.3


@dataclass(frozen=True)
class JammingConfig:
    """The jamming transition: FC networks of N parameters trained full-batch (Adam) on a hinge loss over P points
    with labels +-1 until L = 0 ('fitted'), a plateau after every lr drop ('stuck') or the step budget."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "datasets", "n_train", "depths", "widths", "seeds", "seeds_per_job")
    enabled: bool = False
    datasets: tuple[str, ...] = ("mnist5k",)
    n_train: tuple[int, ...] = (100, 200, 400)
    depths: tuple[int, ...] = (1,)
    widths: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    seeds_per_job: int = 5
    pca: int | None = 10
    loss: str = "quadratic_hinge"
    lr: float = 0.1
    max_steps: int = 20000
    check_every: int = 100
    plateau_steps: int = 2000
    plateau_rtol: float = 0.01
    fit_tolerance: float = 1e-9
    lr_drops: int = 2
    lr_factor: float = 0.1
    log_every: int = 1000
    dtype: str = "float64"
    gaussian: GaussianConfig = GaussianConfig()
    subspace: JammingSubspaceConfig = JammingSubspaceConfig()


@dataclass(frozen=True)
class GoldilocksConfig:
    """The Goldilocks zone (Fort & Scherlis; Fort & Ganguli): random subspace runs from theta_0 scaled by r (init_scale)
    with the subspace block's training, P_s at fixed d against r, beside the curvature of the section A^T H A."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "init_scales", "dims", "seeds", "seeds_per_job", "epsilon")
    enabled: bool = False
    init_scales: tuple[float, ...] = (1.0,)
    dims: tuple[int, ...] = (32, 128)
    seeds: tuple[int, ...] | None = None
    seeds_per_job: int = 5
    epsilon: float | None = None
    curvature_seeds: int = 3
    n_examples: int = 500
    subset_seed: int = 0


@dataclass(frozen=True)
class ConfinementConfig:
    """Gradient confinement (Gur-Ari et al.; Fort & Ganguli): the share of the gradient's squared norm in the top-k
    Hessian eigenspace (Lanczos on a fixed training subset) at every burn-in checkpoint and along a trajectory."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "n_seeds", "trajectory_steps")
    enabled: bool = False
    n_seeds: int = 1
    ks: tuple[int, ...] = (1, 2, 5, 10, 20)
    n_examples: int = 500
    lanczos_iterations: int = 60
    seed: int = 0
    trajectory_steps: tuple[int, ...] = ()


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
    enabled: bool = False
    datasets: tuple[str, ...] = ("digits",)
    depths: tuple[int, ...] = (2,)
    widths: tuple[int, ...] = (16, 32, 64, 128, 256)
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4, 5)
    seeds_per_job: int = 6
    activation: str = "tanh"
    loss: str = "mse"
    lr: float = 0.05
    batch_size: int = 16
    epochs: int = 10
    disjoint_data: bool = False
    fractions: tuple[float, ...] = (0.5, 0.25, 0.75)
    n_subsets: int = 5
    points_per_segment: int = 11
    path_width: int | None = None


@dataclass(frozen=True)
class ExperimentConfig:
    """A whole experiment (the top level of a config file)."""

    experiment: str = ""
    datasets: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    device: str = "cpu"
    track_code: bool = True
    data: DataConfig = DataConfig()
    burn_in: BurnInConfig = BurnInConfig()
    subspace: SubspaceConfig = SubspaceConfig()
    thresholds: ThresholdsConfig = ThresholdsConfig()
    theory: TheoryConfig = TheoryConfig()
    baseline: BaselineConfig = BaselineConfig()
    lottery: LotteryConfig = LotteryConfig()
    jamming: JammingConfig = JammingConfig()
    goldilocks: GoldilocksConfig = GoldilocksConfig()
    confinement: ConfinementConfig = ConfinementConfig()
    connectivity: ConnectivityConfig = ConnectivityConfig()


def _convert(value: Any, hint: Any, where: str) -> Any:
    """A YAML value as the field's type: nested blocks as dataclasses, lists as tuples."""
    if dataclasses.is_dataclass(hint) and isinstance(value, Mapping):
        return from_mapping(hint, value, where)
    if isinstance(value, list):
        return tuple(value)
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


def as_dict(config: Any) -> dict[str, Any]:
    """A config dataclass as plain JSON-able data (tuples as lists), e.g. for a table's metadata."""

    def plain(value: Any) -> Any:
        if isinstance(value, tuple | list):
            return [plain(v) for v in value]
        if isinstance(value, Mapping):
            return {k: plain(v) for k, v in value.items()}
        return value

    return plain(dataclasses.asdict(config))


# --------------------------------------------------------------------------------------------------------------------
# Grid checks a JSON schema cannot express (they need the networks' sizes)


def parameter_count(model: str, dataset: str) -> int:
    """D of `model` on `dataset`, computed from the registered input shape (no data is loaded)."""
    input_shape, n_classes = DATASET_SHAPES[dataset]
    return count_parameters(build_model(model, input_shape, n_classes, seed=0))


def check_dims(datasets: Iterable[str], models: Iterable[str], dims: Iterable[int], key: str = "subspace.dims") -> None:
    """Refuse subspace dimensions larger than D of any configured (dataset, model), naming the key."""
    dims = sorted(set(dims))
    for dataset in datasets:
        for model in models:
            n_params = parameter_count(model, dataset)
            too_large = [d for d in dims if d > n_params]
            if too_large:
                raise ValueError(
                    f"config key {key}: {too_large} exceed D = {n_params}, the parameter count of "
                    f"model {model!r} on dataset {dataset!r}; allowed values are 1 .. {n_params}"
                )


def check_lottery_dims(lottery: LotteryConfig) -> None:
    """Refuse lottery subspace dimensions beyond the singular vectors available (min(svd_rank, T // k))."""
    available = min(lottery.svd_rank, lottery.n_columns)
    too_large = sorted(d for d in lottery.dims if d > available)
    if too_large:
        raise ValueError(
            f"config key lottery.dims: {too_large} exceed the {available} singular vectors available "
            f"(min(lottery.svd_rank = {lottery.svd_rank}, lottery.trajectory_steps / lottery.record_every = "
            f"{lottery.trajectory_steps} / {lottery.record_every})); raise trajectory_steps or lower the dims"
        )


def jamming_input_dim(jamming: JammingConfig, dataset: str) -> int:
    """The input size of a jamming network on `dataset`: gaussian's input_dim, else the principal components kept
    (jamming.pca) or, without PCA, the flattened image (no data is loaded)."""
    if dataset == "gaussian":
        return jamming.gaussian.input_dim
    if jamming.pca is not None:
        return jamming.pca
    channels, height, width = DATASET_SHAPES[dataset][0]
    return channels * height * width


def check_jamming_subspace(jamming: JammingConfig) -> None:
    """Refuse a linear wide network (depth 0) wider than its inputs and subspace dimensions larger than the wide
    network's parameter count N, per configured dataset, naming the key."""
    from dof.stages.jamming import n_parameters  # the stage imports this module

    sub = jamming.subspace
    if not sub.dims:
        return  # no subspace runs
    for dataset in jamming.datasets:
        input_dim = jamming_input_dim(jamming, dataset)
        if sub.depth == 0 and not 0 < sub.width <= input_dim:
            raise ValueError(
                f"config key jamming.subspace.width: a linear wide network (jamming.subspace.depth = 0) keeps 1 .. "
                f"{input_dim} input coordinates of dataset {dataset!r}, got {sub.width}; lower "
                f"jamming.subspace.width or raise the input size (jamming.pca, jamming.gaussian.input_dim)"
            )
        n_params = n_parameters(input_dim, sub.depth, sub.width)
        too_large = sorted(d for d in set(sub.dims) if d > n_params)
        if too_large:
            raise ValueError(
                f"config key jamming.subspace.dims: {too_large} exceed N = {n_params}, the parameter count of the "
                f"wide network (jamming.subspace.depth = {sub.depth}, jamming.subspace.width = {sub.width}) on "
                f"dataset {dataset!r} ({input_dim} inputs); allowed values are 1 .. {n_params}, or widen the network"
            )


def check_connectivity(connectivity: ConnectivityConfig, data: DataConfig) -> None:
    """Refuse a connectivity block the stage cannot run: seeds that do not pair up, a kept fraction whose
    M = round(fraction N) is 0 or N at some width (nothing dropped, or nothing kept), a path width off the grid, a
    dataset not on disk."""
    if connectivity.path_width not in (None, *connectivity.widths):
        raise ValueError(
            f"config key connectivity.path_width: {connectivity.path_width} is not one of connectivity.widths "
            f"{list(connectivity.widths)}; pick one of them or null (the smallest)"
        )
    seeds = list(connectivity.seeds)
    if len(seeds) % 2:
        raise ValueError(
            f"config key connectivity.seeds: the seeds are connected in consecutive pairs (0-1, 2-3, ...), so their "
            f"number must be even; {len(seeds)} seeds leave seed {seeds[-1]} without a pair: add or drop one"
        )
    for fraction in connectivity.fractions:
        for width in connectivity.widths:
            kept = round(fraction * width)
            if not 0 < kept < width:
                effect = "drops nothing" if kept >= width else "keeps nothing"
                raise ValueError(
                    f"config key connectivity.fractions: {fraction:g} keeps M = round({fraction:g} x {width}) = "
                    f"{kept} of the N = {width} neurons at width {width} (connectivity.widths), which {effect}; use "
                    f"fractions with 0 < round(f N) < N at every width, or drop that width"
                )
    if not data.download:  # else the first job downloads what is missing
        for dataset in connectivity.datasets:
            if dataset in TORCHVISION_FILES:
                try:
                    check_available(dataset, data.root)
                except FileNotFoundError as error:
                    raise FileNotFoundError(f"config key connectivity.datasets: {error}") from None


def check_refined_curves(thresholds: ThresholdsConfig) -> None:
    """Refuse refined curves (thresholds.refine.metrics / .epsilons) that are not among the measured ones."""
    refine = thresholds.refine
    for key, chosen, measured in (
        ("metrics", refine.metrics, thresholds.metrics),
        ("epsilons", refine.epsilons, thresholds.epsilons),
    ):
        unknown = [value for value in chosen if value not in measured]
        if unknown:
            raise ValueError(
                f"config key thresholds.refine.{key}: {unknown} are not among thresholds.{key} {list(measured)}, so "
                f"no curve of theirs is measured; choose from thresholds.{key} (or leave refine.{key} empty: all)"
            )


def check_grid(config: Mapping[str, Any]) -> ExperimentConfig:
    """The whole config as dataclasses, after the checks the schema cannot make; errors name the key and the fix."""
    experiment = from_mapping(ExperimentConfig, config)
    check_dims(experiment.datasets, experiment.models, experiment.subspace.dims)
    check_refined_curves(experiment.thresholds)
    if experiment.lottery.enabled:
        check_lottery_dims(experiment.lottery)
    if experiment.goldilocks.enabled:
        check_dims(experiment.datasets, experiment.models, experiment.goldilocks.dims, "goldilocks.dims")
    confinement = experiment.confinement
    largest_k = max([*confinement.ks, *(DATASET_SHAPES[dataset][1] for dataset in experiment.datasets)])
    if confinement.enabled and largest_k > confinement.lanczos_iterations:
        raise ValueError(
            f"config key confinement.ks: k up to {largest_k} (k = C, the number of classes, included) needs at least "
            f"as many confinement.lanczos_iterations (now {confinement.lanczos_iterations}); raise it (2-3 x k)"
        )
    if experiment.jamming.enabled:
        check_jamming_subspace(experiment.jamming)
    if experiment.connectivity.enabled:
        check_connectivity(experiment.connectivity, experiment.data)
    n_subspace_seeds = len(experiment.subspace.seeds)
    if confinement.enabled and confinement.n_seeds > n_subspace_seeds:
        raise ValueError(
            f"config key confinement.n_seeds: {confinement.n_seeds} seeds measured, but subspace.seeds has only "
            f"{n_subspace_seeds} (the confinement stage measures the first n of them); lower confinement.n_seeds "
            f"or add subspace.seeds"
        )
    if not experiment.data.download:  # else the first job downloads what is missing
        for dataset in experiment.datasets:
            if dataset in TORCHVISION_FILES:
                check_available(dataset, experiment.data.root)
    return experiment
