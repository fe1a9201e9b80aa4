import gzip
from urllib.error import URLError

import numpy as np
import pytest
import torch
from fixtures_datasets import (
    accept_fixture_checksums,
    write_cifar10,
    write_cifar100,
    write_mnist_like,
    write_svhn,
)

from dof.engine import data


def test_mnist5k_is_real_split_and_centred():
    ds = data.load_dataset("mnist5k")
    assert ds.x_train.shape == (4000, 1, 28, 28) and ds.x_test.shape == (1000, 1, 28, 28)
    assert ds.n_classes == 10
    assert set(ds.y_train.unique().tolist()) == set(range(10))
    assert set(ds.y_test.unique().tolist()) == set(range(10))
    # pixels / 255 minus the per-pixel training mean: the training mean is zero at every pixel
    assert torch.allclose(ds.x_train.mean(dim=0), torch.zeros(1, 28, 28), atol=1e-5)
    assert ds.x_train.max() <= 1.0 and ds.x_train.min() >= -1.0


def test_mnist5k_split_is_deterministic_and_seeded():
    a, b = data.load_dataset("mnist5k"), data.load_dataset("mnist5k")
    assert torch.equal(a.y_train, b.y_train) and torch.equal(a.x_test, b.x_test)
    c = data.load_dataset("mnist5k", split_seed=1)
    assert not torch.equal(a.y_train, c.y_train)


def test_mnist5k_reader_parses_label_last(tmp_path):
    rows = np.zeros((3, 785), dtype=np.int64)
    rows[:, 100] = [10, 20, 30]
    rows[:, -1] = [7, 1, 4]
    path = tmp_path / "mnist.csv.gz"
    with gzip.open(path, "wt") as handle:
        np.savetxt(handle, rows, fmt="%d", delimiter=",")
    images, labels = data.read_mnist5k_csv(path)
    assert labels.tolist() == [7, 1, 4]
    assert images.shape == (3, 1, 28, 28) and images[2, 0, 100 // 28, 100 % 28] == 30


def test_preprocess_subtracts_training_mean_from_both_splits():
    train = np.array([[0], [255]], dtype=np.uint8)
    test = np.array([[255]], dtype=np.uint8)
    x_train, x_test = data.preprocess(train, test)
    assert x_train.flatten().tolist() == [-0.5, 0.5]
    assert x_test.flatten().tolist() == [0.5]


def test_unknown_dataset_names_the_known_ones():
    with pytest.raises(KeyError, match="mnist5k"):
        data.load_dataset("imagenet")


def test_bad_split_size_is_named():
    with pytest.raises(ValueError, match="n_train"):
        data.load_dataset("mnist5k", n_train=5000)


# --- real datasets through torchvision, from tiny files in the real on-disk formats (download off) ---


@pytest.fixture
def checksums_off(monkeypatch):
    accept_fixture_checksums(monkeypatch)


def assert_loaded(ds: data.Dataset, name: str, train: tuple, test: tuple) -> None:
    """Shapes, labels and preprocessing (/ 255 minus the per-pixel training mean) against the written arrays."""
    input_shape, n_classes = data.DATASET_SHAPES[name]
    assert ds.name == name and ds.n_classes == n_classes and ds.input_shape == input_shape
    assert ds.x_train.shape == train[0].shape and ds.x_test.shape == test[0].shape
    assert ds.y_train.tolist() == train[1].tolist() and ds.y_test.tolist() == test[1].tolist()
    assert ds.y_train.dtype == torch.int64 and ds.x_train.dtype == torch.float32
    expected_train, expected_test = data.preprocess(train[0], test[0])
    assert torch.allclose(ds.x_train, expected_train, atol=1e-6) and torch.allclose(ds.x_test, expected_test, atol=1e-6)
    assert torch.allclose(ds.x_train.mean(dim=0), torch.zeros(input_shape), atol=1e-6)


@pytest.mark.parametrize(("name", "class_name"), [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST")])
def test_idx_datasets_load_from_raw_files(tmp_path, name, class_name):
    train, test = write_mnist_like(tmp_path, class_name, n_train=20, n_test=10, seed=1)
    ds = data.load_dataset(name, root=str(tmp_path), download=False)
    assert_loaded(ds, name, train, test)


def test_cifar10_loads_pickled_batches_as_nchw(tmp_path, checksums_off):
    train, test = write_cifar10(tmp_path, per_batch=4, n_test=6, seed=2)
    ds = data.load_dataset("cifar10", root=str(tmp_path), download=False)
    assert_loaded(ds, "cifar10", train, test)
    assert ds.x_train.shape == (20, 3, 32, 32)


def test_cifar100_loads_fine_labels(tmp_path, checksums_off):
    train, test = write_cifar100(tmp_path, n_train=12, n_test=5, seed=3)
    ds = data.load_dataset("cifar100", root=str(tmp_path), download=False)
    assert_loaded(ds, "cifar100", train, test)
    assert ds.n_classes == 100 and ds.y_train.max() == 99


def test_svhn_maps_label_10_to_digit_0(tmp_path, checksums_off):
    train, test = write_svhn(tmp_path, n_train=12, n_test=7, seed=4)
    ds = data.load_dataset("svhn", root=str(tmp_path), download=False)
    assert_loaded(ds, "svhn", train, test)
    for labels in (ds.y_train, ds.y_test):
        assert labels.min() >= 0 and labels.max() <= 9 and (labels == 0).any()
    assert ds.y_train[:10].tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist", "cifar10", "cifar100", "svhn"])
def test_missing_dataset_without_download_names_dataset_root_and_switch(tmp_path, name):
    with pytest.raises(FileNotFoundError, match=rf"dataset '{name}' not found.*{tmp_path}.*download") as info:
        data.load_dataset(name, root=str(tmp_path), download=False)
    assert isinstance(info.value.__cause__, RuntimeError)  # torchvision's own error is kept as the cause


def test_failed_download_is_named(tmp_path, monkeypatch):
    import torchvision.datasets as tvd

    def offline(self) -> None:
        raise URLError("no network")

    monkeypatch.setattr(tvd.CIFAR10, "download", offline)
    with pytest.raises(RuntimeError, match="dataset 'cifar10': download into .* failed"):
        data.load_dataset("cifar10", root=str(tmp_path), download=True)


WRITERS = {
    "mnist": lambda root: write_mnist_like(root, "MNIST", n_train=4, n_test=2, seed=0),
    "fashion_mnist": lambda root: write_mnist_like(root, "FashionMNIST", n_train=4, n_test=2, seed=0),
    "cifar10": lambda root: write_cifar10(root, per_batch=2, n_test=2, seed=0),
    "cifar100": lambda root: write_cifar100(root, n_train=4, n_test=2, seed=0),
    "svhn": lambda root: write_svhn(root, n_train=4, n_test=2, seed=0),
}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_check_available_refuses_a_missing_dataset_naming_it_root_and_switch(tmp_path, name):
    """The pre-run check (download off) knows torchvision's layout: it fails where loading would, and only there."""
    root = tmp_path / "data"
    with pytest.raises(FileNotFoundError, match=rf"dataset '{name}'.*{root}.*data\.download"):
        data.check_available(name, root)
    WRITERS[name](root)
    data.check_available(name, root)
    one_file = root / data.TORCHVISION_FILES[name][0][-1]
    one_file.unlink()
    with pytest.raises(FileNotFoundError, match=one_file.name):
        data.check_available(name, root)


def test_check_available_takes_torchvision_legacy_mnist_cache(tmp_path):
    (tmp_path / "MNIST" / "processed").mkdir(parents=True)
    for name in ("training.pt", "test.pt"):
        (tmp_path / "MNIST" / "processed" / name).write_bytes(b"x")
    data.check_available("mnist", tmp_path)
    with pytest.raises(KeyError, match="mnist5k"):
        data.check_available("mnist5k", tmp_path)


def test_digits_are_scaled_split_and_centred():
    from sklearn.datasets import load_digits

    ds = data.load_dataset("digits")
    assert ds.x_train.shape == (1400, 1, 8, 8) and ds.x_test.shape == (397, 1, 8, 8)
    assert ds.n_classes == 10 and set(ds.y_train.unique().tolist()) == set(range(10))
    raw = load_digits()
    images = np.rint(raw.images * 255 / 16).astype(np.uint8)[:, None]  # 0..16 -> 0..255
    assert images.max() == 255
    train, test = data.seeded_split(len(raw.target), 1400, 0, "digits")
    expected_train, expected_test = data.preprocess(images[train], images[test])
    assert torch.allclose(ds.x_train, expected_train, atol=1e-6) and torch.allclose(ds.x_test, expected_test, atol=1e-6)
    assert ds.y_test.tolist() == raw.target[test].tolist()
    assert torch.allclose(ds.x_train.mean(dim=0), torch.zeros(1, 8, 8), atol=1e-6)
    other = data.load_dataset("digits", n_train=1000, split_seed=1)
    assert other.x_train.shape[0] == 1000 and not torch.equal(other.y_test[:397], ds.y_test)


def test_dataset_shapes_cover_the_registry():
    assert set(data.DATASET_SHAPES) == set(data.DATASETS)
    assert data.DATASET_SHAPES["cifar100"] == ((3, 32, 32), 100)
    assert data.DATASET_SHAPES["digits"] == ((1, 8, 8), 10)
    ds = data.load_dataset("mnist5k", n_train=4000)
    assert data.DATASET_SHAPES["mnist5k"] == (ds.input_shape, ds.n_classes)


def test_built_in_arrays_are_checked_finite_like_a_plug_in_s():
    images = np.zeros((4, 1, 2, 2), dtype=np.float32)
    assert torch.isfinite(data.from_arrays("ok", images, [0, 1, 0, 1], images, [0, 1, 0, 1], 2).x_train).all()
    images[1, 0, 1, 1] = np.nan
    with pytest.raises(ValueError, match=r"dataset 'sick': x_test holds non-finite .* 1 of 4 examples, .* index 1"):
        data.from_arrays("sick", np.zeros_like(images), [0, 1, 0, 1], images, [0, 1, 0, 1], 2)
