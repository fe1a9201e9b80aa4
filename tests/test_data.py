import gzip

import numpy as np
import pytest
import torch

from dof import data


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
