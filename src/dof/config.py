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

from dof.engine.data import DATASET_SHAPES
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
    lr: float = 0.05
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-7
    batch_size: int = 128
    epochs: int = 3


@dataclass(frozen=True)
class ThresholdsConfig:
    """Success criteria and the d* statistics."""

    metrics: tuple[str, ...] = ("train_acc", "test_acc")
    epsilons: tuple[float, ...] = ()
    delta: float = 0.1
    n_bootstrap: int = 1000
    confidence: float = 0.95
    bootstrap_seed: int = 0


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
    """The full-model baseline theta*: every weight trained from theta_0 (reference of d_int90 and theory)."""

    enabled: bool = False


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
class LotteryConfig:
    """Lottery subspaces (top singular vectors of the training trajectory from theta_0) and lottery tickets."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "dims", "seeds", "seeds_per_job", "tickets")
    enabled: bool = False
    dims: tuple[int, ...] = (4, 8, 16, 32, 64, 128)
    seeds: tuple[int, ...] | None = None
    seeds_per_job: int = 5
    trajectory_steps: int = 640
    record_every: int = 5
    svd: str = "full"
    svd_rank: int = 1024
    tickets: TicketConfig = TicketConfig()

    @property
    def n_columns(self) -> int:
        """Columns of the trajectory matrix: one weight increment every record_every steps."""
        return self.trajectory_steps // self.record_every


@dataclass(frozen=True)
class ExperimentConfig:
    """A whole experiment (the top level of a config file)."""

    experiment: str = ""
    datasets: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    device: str = "cpu"
    data: DataConfig = DataConfig()
    burn_in: BurnInConfig = BurnInConfig()
    subspace: SubspaceConfig = SubspaceConfig()
    thresholds: ThresholdsConfig = ThresholdsConfig()
    theory: TheoryConfig = TheoryConfig()
    baseline: BaselineConfig = BaselineConfig()
    lottery: LotteryConfig = LotteryConfig()


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
    return cls(**{k: _convert(v, _dataclass_hint(hints[k]), f"{where}.{k}".lstrip(".")) for k, v in mapping.items()})


def _dataclass_hint(hint: Any) -> Any:
    """The dataclass inside a type hint (e.g. `SplitConfig`), or the hint itself."""
    return hint if dataclasses.is_dataclass(hint) else None


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


def check_dims(datasets: Iterable[str], models: Iterable[str], dims: Iterable[int]) -> None:
    """Refuse subspace dimensions larger than D of any configured (dataset, model), naming the key."""
    dims = sorted(set(dims))
    for dataset in datasets:
        for model in models:
            n_params = parameter_count(model, dataset)
            too_large = [d for d in dims if d > n_params]
            if too_large:
                raise ValueError(
                    f"config key subspace.dims: {too_large} exceed D = {n_params}, the parameter count of "
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


def check_grid(config: Mapping[str, Any]) -> ExperimentConfig:
    """The whole config as dataclasses, after the checks the schema cannot make; errors name the key and the fix."""
    experiment = from_mapping(ExperimentConfig, config)
    check_dims(experiment.datasets, experiment.models, experiment.subspace.dims)
    if experiment.lottery.enabled:
        check_lottery_dims(experiment.lottery)
    return experiment
