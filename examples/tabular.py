"""A tabular plug-in: scikit-learn's breast-cancer data (569 tumours, 30 features, 2 classes) and a small MLP.

Run it with `snakemake --configfile examples/tabular.yaml`; the config names `examples.tabular:breast_cancer` and
`examples.tabular:MLP`, found from the working directory (`plugin_path: [.]`, the default)."""

from __future__ import annotations

import math

import numpy as np
from torch import nn


def breast_cancer(n_train: int = 400, split_seed: int = 0) -> dict[str, object]:
    """The features standardised with the training split's mean and deviation, split by a seeded permutation."""
    from sklearn.datasets import load_breast_cancer

    x, y = load_breast_cancer(return_X_y=True)
    order = np.random.default_rng(split_seed).permutation(len(y))
    train, test = order[:n_train], order[n_train:]
    mean, std = x[train].mean(axis=0), x[train].std(axis=0) + 1e-8
    scaled = (x - mean) / std
    return {"x_train": scaled[train], "y_train": y[train], "x_test": scaled[test], "y_test": y[test], "n_classes": 2}


class MLP(nn.Module):
    """Inputs flattened, hidden ReLU layers of the given widths, a linear output per class."""

    def __init__(self, input_shape: tuple[int, ...], n_classes: int, hidden: tuple[int, ...] = (32,)):
        super().__init__()
        sizes = [math.prod(input_shape), *hidden]
        layers: list[nn.Module] = [nn.Flatten()]
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        self.net = nn.Sequential(*layers, nn.Linear(sizes[-1], n_classes))

    def forward(self, x):
        return self.net(x)
