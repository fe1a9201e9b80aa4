"""Checks of an experiment grid that a JSON schema cannot express (they need the networks' sizes)."""

from __future__ import annotations

from collections.abc import Iterable

from dof.data import DATASET_SHAPES
from dof.models import build_model, count_parameters


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
