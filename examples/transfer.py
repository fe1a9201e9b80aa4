"""The data of the transfer experiment (config/transfer.yaml): mnist5k's digits split in two tasks, a source network
pretrained on digits 0-4 and d* measured on digits 5-9 (labels remapped to 0-4) from its weights."""

from __future__ import annotations

from collections.abc import Sequence

from dof.engine.data import load_mnist5k


def digits(keep: Sequence[int], n_train: int = 4000, split_seed: int = 0) -> dict[str, object]:
    """The mnist5k images (pixels / 255 minus the training mean of all ten digits, its seeded split) of the digits
    in `keep`, labelled by their position in `keep` (e.g. 5..9 -> 0..4)."""
    data = load_mnist5k(n_train=n_train, split_seed=split_seed)
    label = {digit: index for index, digit in enumerate(keep)}
    arrays = {}
    for split, x, y in (("train", data.x_train, data.y_train), ("test", data.x_test, data.y_test)):
        mask = sum(y == digit for digit in keep).bool()
        arrays[f"x_{split}"] = x[mask].numpy()
        arrays[f"y_{split}"] = [label[int(v)] for v in y[mask]]
    return {**arrays, "n_classes": len(keep)}
