"""Write tiny datasets in the real on-disk formats torchvision reads (IDX, pickled CIFAR batches, SVHN .mat).

Each writer returns the uint8 NCHW images and int64 labels it wrote, per split, as the loaders should read them."""

from __future__ import annotations

import os
import pickle
import struct
from pathlib import Path

import numpy as np
import scipy.io

Split = tuple[np.ndarray, np.ndarray]


def write_idx(path: Path, array: np.ndarray) -> None:
    """An uncompressed IDX file of unsigned bytes: magic 0x0000 08 <ndim>, big-endian dims, then the data."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">I", 0x0800 + array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.tobytes())


def write_mnist_like(root: Path, class_name: str, n_train: int, n_test: int, seed: int) -> tuple[Split, Split]:
    """root/<class_name>/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte (raw, as torchvision keeps them after
    extracting the .gz downloads; torchvision checks only that the raw files exist)."""
    rng = np.random.default_rng(seed)
    raw = root / class_name / "raw"
    raw.mkdir(parents=True)
    out = []
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = np.arange(n) % 10
        write_idx(raw / f"{prefix}-images-idx3-ubyte", images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
        out.append((images[:, None], labels.astype(np.int64)))
    return out[0], out[1]


def _pickle(path: Path, obj: dict) -> None:
    with open(path, "wb") as handle:
        pickle.dump(obj, handle)


def _cifar_images(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 256, size=(n, 3, 32, 32), dtype=np.uint8)


def write_cifar10(root: Path, per_batch: int, n_test: int, seed: int) -> tuple[Split, Split]:
    """root/cifar-10-batches-py/: data_batch_1..5, test_batch ({"data": (N, 3072) CHW rows, "labels": list}) and
    batches.meta ({"label_names": ...})."""
    rng = np.random.default_rng(seed)
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    train_images, train_labels = [], []
    for i in range(1, 6):
        images, labels = _cifar_images(rng, per_batch), rng.integers(0, 10, size=per_batch)
        _pickle(folder / f"data_batch_{i}", {"data": images.reshape(per_batch, -1), "labels": labels.tolist()})
        train_images.append(images)
        train_labels.append(labels)
    test_images, test_labels = _cifar_images(rng, n_test), rng.integers(0, 10, size=n_test)
    _pickle(folder / "test_batch", {"data": test_images.reshape(n_test, -1), "labels": test_labels.tolist()})
    _pickle(folder / "batches.meta", {"label_names": [f"class{i}" for i in range(10)]})
    train = (np.concatenate(train_images), np.concatenate(train_labels).astype(np.int64))
    return train, (test_images, test_labels.astype(np.int64))


def write_cifar100(root: Path, n_train: int, n_test: int, seed: int) -> tuple[Split, Split]:
    """root/cifar-100-python/: train, test ({"data", "fine_labels", "coarse_labels"}) and meta."""
    rng = np.random.default_rng(seed)
    folder = root / "cifar-100-python"
    folder.mkdir(parents=True)
    out = []
    for name, n in (("train", n_train), ("test", n_test)):
        images, labels = _cifar_images(rng, n), rng.integers(0, 100, size=n)
        labels[0] = 99
        entry = {"data": images.reshape(n, -1), "fine_labels": labels.tolist(), "coarse_labels": (labels // 5).tolist()}
        _pickle(folder / name, entry)
        out.append((images, labels.astype(np.int64)))
    _pickle(
        folder / "meta",
        {"fine_label_names": [f"f{i}" for i in range(100)], "coarse_label_names": [f"c{i}" for i in range(20)]},
    )
    return out[0], out[1]


def write_svhn(root: Path, n_train: int, n_test: int, seed: int) -> tuple[Split, Split]:
    """root/{train,test}_32x32.mat with X (32, 32, 3, N) uint8 (H, W, C, N) and y (N, 1) in 1..10 (10 = digit 0);
    returns the labels with 10 mapped to 0."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    out = []
    for split, n in (("train", n_train), ("test", n_test)):
        x = rng.integers(0, 256, size=(32, 32, 3, n), dtype=np.uint8)
        y = ((np.arange(n) + 9) % 10 + 1).astype(np.uint8).reshape(n, 1)  # 10, 1, ..., 9, 10, ...: 10s in each split
        scipy.io.savemat(root / f"{split}_32x32.mat", {"X": x, "y": y})
        out.append((x.transpose(3, 2, 0, 1), (y[:, 0] % 10).astype(np.int64)))
    return out[0], out[1]


def accept_fixture_checksums(monkeypatch) -> None:
    """Tests only: torchvision checks the CIFAR/SVHN files' md5 sums (CIFAR through CIFAR10._check_integrity for the
    batches and check_integrity in _load_meta for the meta file; SVHN through SVHN._check_integrity). Replace the
    `check_integrity` those two modules call by a file-exists check, so the fixtures pass and missing files still
    fail."""
    import torchvision.datasets.cifar as cifar
    import torchvision.datasets.svhn as svhn

    def exists(fpath: str | os.PathLike, md5: str | None = None) -> bool:
        return os.path.isfile(fpath)

    monkeypatch.setattr(cifar, "check_integrity", exists)
    monkeypatch.setattr(svhn, "check_integrity", exists)
