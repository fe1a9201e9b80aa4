"""Config checks: schema errors in a few lines (the key path, the value and what is allowed; Snakemake's own message
prints the whole schema and config), and `check_grid`, the checks a schema cannot make (they need networks or data)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from dof.config import (
    INIT,
    ConnectivityConfig,
    DataConfig,
    ExperimentConfig,
    JammingConfig,
    LotteryConfig,
    ThresholdsConfig,
    from_mapping,
    inherit_seeds,
    model_option,
    name_of,
    plugin_data_option,
)
from dof.engine.data import (
    DATASET_SHAPES,
    TORCHVISION_FILES,
    Features,
    check_available,
    example_shape,
    load_plugin,
    n_rows,
    rows,
)
from dof.engine.models import MODELS, build_model, count_parameters, model_logits
from dof.engine.plugins import load_state_dict, reinit_keys, state_dict_mismatches
from dof.engine.subspace import SAID
from dof.stages.jamming import n_parameters

if TYPE_CHECKING:
    from jsonschema import ValidationError


CONFIG_HELP = "config/README.md lists every key, its default and what it allows"

ALLOWED = {
    "type": lambda v: f"a value of type {' or '.join(v) if isinstance(v, list) else v}",
    "enum": lambda v: f"one of {', '.join(map(str, v))}",
    "const": lambda v: f"exactly {v!r}",
    "minimum": lambda v: f"a number >= {v}",
    "exclusiveMinimum": lambda v: f"a number > {v}",
    "maximum": lambda v: f"a number <= {v}",
    "exclusiveMaximum": lambda v: f"a number < {v}",
    "minItems": lambda v: f"a list of at least {v} item(s)",
    "maxItems": lambda v: f"a list of at most {v} item(s)",
    "uniqueItems": lambda v: "a list without repeated items",
    "pattern": lambda v: f"a string matching {v}",
    "minLength": lambda v: f"a string of at least {v} character(s)",
}


def key_path(parts: Iterable[Any]) -> str:
    """A config key path as written in config/README.md: blocks joined with '.', list items as [i]."""
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path.lstrip(".") or "the config"


def _shown(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def meant_error(error: ValidationError) -> ValidationError:
    """For an error inside a choice of a name or a block (anyOf), the error of the branch the value's type selects
    (a mapping's keys, or a name's spelling), else the error itself."""
    choice = error if error.validator == "anyOf" else error.parent
    if choice is None or choice.validator != "anyOf" or not choice.context:
        return error
    kind = "object" if isinstance(choice.instance, dict) else "string"
    branches = {i for i, branch in enumerate(choice.validator_value) if branch.get("type") == kind}
    errors = [sub for sub in choice.context if sub.relative_schema_path[0] in branches]
    return max(errors, key=lambda sub: len(sub.absolute_path)) if errors else error


def validation_message(error: ValidationError) -> str:
    """A jsonschema error of the config in two lines: the key path, the bad value, what is allowed. For a name or a
    block (anyOf), the error of the branch the value was meant for: a mapping's keys, or a name's spelling."""
    error = meant_error(error)
    where = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted(error.schema.get("properties", {}))
        lines = []
        for key in sorted(set(error.instance) - set(known)):
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean {key_path([*where, close[0]])}?)" if close else ""
            lines.append(f"unknown config key {key_path([*where, key])}{hint}; allowed keys here: {', '.join(known)}")
        return "\n".join([*lines, CONFIG_HELP])
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [key for key in error.validator_value if key not in error.instance]
        paths = ", ".join(key_path([*where, key]) for key in missing)
        return f"config key(s) {paths} missing: required, with no default\n{CONFIG_HELP}"
    describe = ALLOWED.get(str(error.validator))
    allowed = describe(error.validator_value) if describe else error.message
    return f"config key {key_path(where)}: {_shown(error.instance)} is not allowed; allowed: {allowed}\n{CONFIG_HELP}"


def short_validation_error(exc: BaseException) -> BaseException:
    """A ValueError with `validation_message` for the jsonschema error inside `exc` (its args or its chain),
    else `exc` itself."""
    seen, pending = set(), [exc]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if all(hasattr(current, name) for name in ("validator", "validator_value", "absolute_path", "instance")):
            return ValueError(validation_message(current))
        pending += [arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException)]
        pending += [current.__cause__, current.__context__]
    return exc


# --------------------------------------------------------------------------------------------------------------------
# Checks a JSON schema cannot express: relations between keys, the networks' sizes, the data on disk


@dataclass(frozen=True)
class DataShape:
    """What the checks need of a dataset: one example's shape, the class count and two examples to run a network on
    (zeros of the registered shape for a built-in: no data is loaded)."""

    input_shape: tuple[int, ...]
    n_classes: int
    examples: Features


def item_key(key: str, items: Sequence[Any], name: str) -> str:
    """The config key path of the item called `name` in a list of names and blocks, e.g. `models[1]`."""
    index = next(i for i, item in enumerate(items) if name_of(item) == name)
    return f"{key}[{index}]"


def data_shape(experiment: ExperimentConfig, name: str, key: str) -> DataShape:
    """The shape of dataset `name`: a built-in's registered one, or a plug-in's, loaded and checked (labels within
    n_classes, one per example, train and test examples alike); errors name the config key `key`."""
    options = plugin_data_option(experiment, name)
    if options is None:
        input_shape, n_classes = DATASET_SHAPES[name]
        return DataShape(tuple(input_shape), n_classes, torch.zeros(2, *input_shape))
    try:
        data = load_plugin(name, **options)
    except Exception as error:  # whatever the loader raises stops the run here, before any job
        raise ValueError(
            f"config key {key} (dataset {name!r}): {error}\nfix the loader {options['loader']} or its kwargs; it "
            f"returns (x_train, y_train, x_test, y_test, n_classes) with labels 0 .. n_classes - 1"
        ) from None
    return DataShape(data.input_shape, data.n_classes, rows(data.x_train, slice(0, 2)))


@dataclass(frozen=True)
class NetworkSize:
    """D, a network's parameter count, and m, its parameter tensors (the scales a SAID subspace counts in d)."""

    n_params: int
    n_tensors: int


def network_size(experiment: ExperimentConfig, model: str, dataset: str, shape: DataShape) -> NetworkSize:
    """D and m of `model` on `dataset`; a plug-in (model or data) is also run on two examples, which must give one row
    of n_classes logits each. Errors name the model's config key and the fix."""
    option = model_option(experiment, model)
    key = item_key("models", experiment.models, model)
    try:
        network = build_model(option, shape.input_shape, shape.n_classes, seed=0)
    except Exception as error:  # an import that fails, a factory that raises or returns no module
        raise ValueError(
            f"config key {key} (model {model!r}) on dataset {dataset!r}: {error}\nfix the factory or its kwargs: it "
            f"is called as factory(input_shape={shape.input_shape}, n_classes={shape.n_classes}, **kwargs) and "
            f"returns a torch.nn.Module"
        ) from None
    if isinstance(option, dict) or plugin_data_option(experiment, dataset) is not None:
        n_examples = n_rows(shape.examples)
        try:
            with torch.no_grad():
                logits = model_logits(network.eval(), shape.examples)
        except Exception as error:
            raise ValueError(
                f"config key {key} (model {model!r}) on dataset {dataset!r}: the network fails on two training "
                f"examples of shape {example_shape(shape.examples)}: {error}"
            ) from None
        if tuple(logits.shape) != (n_examples, shape.n_classes):
            raise ValueError(
                f"config key {key} (model {model!r}) on dataset {dataset!r}: two examples give {tuple(logits.shape)}, "
                f"expected logits of shape {(n_examples, shape.n_classes)} (one row of n_classes per example)"
            )
    return NetworkSize(count_parameters(network), sum(p.requires_grad for p in network.parameters()))


def check_dims(
    sizes: Mapping[tuple[str, str], NetworkSize],
    dims: Iterable[int],
    key: str = "subspace.dims",
    projection: str = "dense",
) -> None:
    """Refuse subspace dimensions larger than D of any configured (dataset, model) (`sizes`), naming the key; with
    SAID also those not above m, the network's parameter tensors (d counts one scale per tensor, phi d - m >= 1)."""
    dims = sorted(set(dims))
    for (dataset, model), size in sizes.items():
        n_params = size.n_params
        n_scales = size.n_tensors if projection == SAID else 0
        too_large = [d for d in dims if d - n_scales > n_params]
        if too_large:
            raise ValueError(
                f"config key {key}: {too_large} exceed D = {n_params + n_scales}, the parameter count of "
                f"model {model!r} on dataset {dataset!r}"
                + (f" plus its {n_scales} SAID scales" if n_scales else "")
                + f"; allowed values are {n_scales + 1} .. {n_params + n_scales}, or a larger model"
            )
        too_small = [d for d in dims if d <= n_scales]
        if too_small:
            raise ValueError(
                f"config key {key}: {too_small} are too small for subspace.projection: said on model {model!r} "
                f"(dataset {dataset!r}): d counts one scale per parameter tensor (m = {n_scales}) plus phi's "
                f"d - m >= 1 coordinates; use d >= {n_scales + 1} or a plain projection such as fastfood"
            )


def check_names(experiment: ExperimentConfig) -> None:
    """Refuse repeated names, plug-ins named like a built-in, starts and pretrain items naming no configured model
    or pretrain item, a start with both or neither of checkpoint and pretrain, and a model without a start."""
    builtin = {"datasets": set(DATASET_SHAPES), "models": set(MODELS), "starts": {INIT}}
    for key in ("datasets", "models", "starts"):
        items = getattr(experiment, key)
        names = [name_of(item) for item in items]
        for index, item in enumerate(items):
            if not isinstance(item, str) and item.name in builtin[key]:
                raise ValueError(
                    f"config key {key}[{index}].name: {item.name!r} is a built-in name; give your own a name of its own"
                )
            if names.count(names[index]) > 1:
                raise ValueError(f"config key {key}[{index}]: the name {names[index]!r} appears more than once")
    models, pretrained = set(experiment.model_names), [item.name for item in experiment.pretrain]
    for index, item in enumerate(experiment.pretrain):
        if item.model not in models:
            raise ValueError(f"config key pretrain[{index}].model: {item.model!r} is not in models {sorted(models)}")
    for index, start in enumerate(experiment.starts):
        if isinstance(start, str):
            continue
        if start.model not in models:
            raise ValueError(f"config key starts[{index}].model: {start.model!r} is not in models {sorted(models)}")
        if (start.checkpoint is None) == (start.pretrain is None):
            raise ValueError(
                f"config key starts[{index}]: give exactly one of checkpoint (a file) and pretrain (a pretrain item)"
            )
        if start.pretrain is not None and start.pretrain not in pretrained:
            raise ValueError(
                f"config key starts[{index}].pretrain: {start.pretrain!r} is not a pretrain item's name {pretrained}"
            )
    for model in experiment.model_names:
        if not experiment.starts_of(model):
            raise ValueError(f"config key starts: model {model!r} has no start; add init or a checkpoint of it")


def check_starts(experiment: ExperimentConfig, shapes: Mapping[str, DataShape]) -> None:
    """Refuse a start checkpoint that is missing or does not fit its model on every dataset (keys and shapes, the
    first mismatches listed; the re-drawn `reinit` tensors may differ), a pretrain item whose network has other shapes
    than on the target datasets, and a `reinit` pattern matching no key of the model (its keys listed)."""
    for index, start in enumerate(experiment.starts):
        if isinstance(start, str):
            continue
        option = model_option(experiment, start.model)
        if start.checkpoint is not None:
            key, path = f"starts[{index}].checkpoint", Path(start.checkpoint)
            if not path.is_file():
                raise FileNotFoundError(
                    f"config key {key}: {path} is no file (paths are relative to the working directory "
                    f"{Path.cwd()}); save a state_dict there with torch.save, or train one with a pretrain item"
                )
            try:
                state = load_state_dict(path)
            except Exception as error:
                raise ValueError(f"config key {key}: {path} cannot be read as a state_dict ({error})") from None
            where = f"{path} ({start.checkpoint!r})"
        else:
            key = f"starts[{index}].pretrain"
            source = next(item for item in experiment.pretrain if item.name == start.pretrain)
            shape = shapes[name_of(source.dataset)]
            state = build_model(option, shape.input_shape, shape.n_classes, seed=0).state_dict()
            where = f"pretrain {source.name!r} (model {source.model!r} on dataset {name_of(source.dataset)!r})"
        for dataset in experiment.dataset_names:
            shape = shapes[dataset]
            model = build_model(option, shape.input_shape, shape.n_classes, seed=0)
            reinit = reinit_keys(model.state_dict(), start.reinit, f"config key starts[{index}].reinit")
            problems = state_dict_mismatches(model, state, reinit=reinit)
            if problems:
                raise ValueError(
                    f"config key {key}: {where} does not fit model {start.model!r} on dataset {dataset!r}:\n  "
                    + "\n  ".join(problems)
                    + f"\nuse a checkpoint of model {start.model!r} for this data's input shape "
                    f"{shape.input_shape} and {shape.n_classes} classes"
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
    """The whole config as dataclasses, after the checks the schema cannot make (errors name the key and the fix),
    with every null `seeds` resolved to its parent's (`inherit_seeds`). Plug-in datasets are loaded and plug-in
    models built here, before any job."""
    experiment = from_mapping(ExperimentConfig, config)
    check_names(experiment)
    shapes = {name: data_shape(experiment, name, item_key("datasets", experiment.datasets, name))
              for name in experiment.dataset_names}  # fmt: skip
    for index, item in enumerate(experiment.pretrain):
        name = name_of(item.dataset)
        if name not in shapes:
            shapes[name] = data_shape(experiment, name, f"pretrain[{index}].dataset")
    sizes = {
        (dataset, model): network_size(experiment, model, dataset, shapes[dataset])
        for dataset in experiment.dataset_names
        for model in experiment.model_names
    }
    for item in experiment.pretrain:
        network_size(experiment, item.model, name_of(item.dataset), shapes[name_of(item.dataset)])
    check_starts(experiment, shapes)
    projection = experiment.subspace.projection
    check_dims(sizes, experiment.subspace.dims, projection=projection)
    check_refined_curves(experiment.thresholds)
    if experiment.lottery.enabled:
        check_lottery_dims(experiment.lottery)
    if experiment.goldilocks.enabled:
        check_dims(sizes, experiment.goldilocks.dims, "goldilocks.dims", projection)
    confinement = experiment.confinement
    largest_k = max([*confinement.ks, *(shapes[dataset].n_classes for dataset in experiment.dataset_names)])
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
        for dataset in shapes:
            if dataset in TORCHVISION_FILES:
                check_available(dataset, experiment.data.root)
    return inherit_seeds(experiment)
