"""Plug-ins: datasets, networks, start checkpoints and pretrained sources of your own (list items)."""

from __future__ import annotations

from typing import Any

from dof.config.base import DATASET_NAME_PATTERN, IMPORT_PATTERN, MODEL_NAME_PATTERN, DatasetName, Init, block, key


@block
class DatasetSpec:
    """A dataset of your own (an item of `datasets` or `pretrain[].dataset`): a loader imported from
    package.module:callable, called with `kwargs`, used as it returns the arrays (no preprocessing)."""

    name: str = key(
        pattern=DATASET_NAME_PATTERN,
        doc="the dataset's name in paths, wildcards and table columns (not a built-in name)",
        required=True,
    )
    loader: str = key(
        pattern=IMPORT_PATTERN,
        doc="import path package.module:callable of a function returning (x_train, y_train, x_test, y_test, "
        "n_classes), as a tuple or a mapping with those keys: arrays of any shape and dtype (floating ones become "
        "float32, integer ones int64), integer labels 0 .. n_classes - 1",
        required=True,
    )
    kwargs: dict[str, Any] = key(doc="keyword arguments of the loader", default_factory=dict)


@block
class ModelSpec:
    """A network of your own (an item of `models`): factory(input_shape, n_classes, **kwargs) returning an
    nn.Module, imported from package.module:callable."""

    name: str = key(
        pattern=MODEL_NAME_PATTERN,
        doc="the model's name in paths, wildcards and table columns (letters and digits; not a built-in name)",
        required=True,
    )
    factory: str = key(
        pattern=IMPORT_PATTERN,
        doc="import path package.module:callable of a function (or class) called as factory(input_shape, "
        "n_classes, **kwargs) (input_shape: one example's shape, a tuple) that returns a torch.nn.Module",
        required=True,
    )
    kwargs: dict[str, Any] = key(doc="keyword arguments of the factory", default_factory=dict)
    init: Init = key(
        "paper",
        "paper: the built-ins' initialisation (truncated LeCun-normal Conv/Linear weights, zero biases, BatchNorm 1 "
        "and 0) over the module's own; own: the module's own initialisation. Either way drawn with torch's RNG "
        "seeded from the run's recorded init_seed (the global RNG's state is kept)",
    )


@block
class StartSpec:
    """A start point other than the seeded initialisation (an item of `starts`): a model's weights from a checkpoint,
    some tensors re-drawn (`reinit`, e.g. a new head); burn-in's t0 steps count from it, so t0 = 0 trains in a random
    subspace through the checkpoint."""

    name: str = key(
        pattern=DATASET_NAME_PATTERN,
        doc="the start's name in the `start` column and in paths (`<model>/start_<name>/`); not `init`",
        required=True,
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
    reinit: tuple[str, ...] = key(
        (),
        "fnmatch patterns over the model's state_dict keys (e.g. classifier.* for Conv-2's head) whose tensors are "
        "re-drawn: taken from the run's seeded initialisation theta_0 (its init_seed and the model's init, as the init "
        "start's), not from the checkpoint, which may hold them in another shape (a head for another number of "
        "classes) or not at all; every pattern must match a key. runs.parquet's `start_reinit` lists the keys "
        "re-drawn",
    )


@block
class PretrainSpec:
    """A source network trained in the full space (an item of `pretrain`), its state_dict the checkpoint of a start:
    the model from its seeded initialisation, the baseline block's Adam, batch size and epochs."""

    name: str = key(
        pattern=DATASET_NAME_PATTERN,
        doc="writes results/<experiment>/pretrain/<name>.pt; a start names it in `pretrain`",
        required=True,
    )
    model: str = key(doc="the name of the model (in `models`) to train", required=True)
    dataset: DatasetName | DatasetSpec = key(
        doc="the source data: a built-in dataset's name or a dataset block (name, loader, kwargs)", required=True
    )
    seed: int = key(0, "run seed of the initialisation and of the mini-batch order", ge=0)
