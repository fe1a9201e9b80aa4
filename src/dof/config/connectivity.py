"""The `connectivity` block: dropout stability and mode connectivity of mean-field networks."""

from __future__ import annotations

from typing import Annotated, ClassVar

from dof.config.base import (
    Activation,
    AtLeastTwo,
    ConnectivityLoss,
    DatasetName,
    Flag,
    Fraction,
    Items,
    NonNegative,
    Number,
    Positive,
    block,
    key,
)


@block
class ConnectivityConfig:
    """Dropout stability and mode connectivity (Shevchenko & Mondelli): mean-field networks trained with SGD at
    several widths; the loss change when M of every hidden layer's N neurons are kept, and the loss barrier between
    two solutions along the straight line and along a path through their dropout-stable halves."""

    GRID: ClassVar[tuple[str, ...]] = (
        "enabled",
        "datasets",
        "depths",
        "widths",
        "seeds",
        "seeds_per_job",
        "path_width",
    )  # path_width: only the figures read it
    EVALUATION: ClassVar[tuple[str, ...]] = ("fractions", "n_subsets", "points_per_segment")
    """Keys only the dropout and path evaluation depend on (changing them retrains nothing)."""
    enabled: Flag = key(False, "run the connectivity stage")
    datasets: Annotated[tuple[DatasetName, ...], Items(1)] = key(
        ("digits",), "datasets; inputs flattened and divided by the training split's standard deviation"
    )
    depths: Annotated[tuple[Positive, ...], Items(1)] = key(
        (2,), "hidden layers L: h_1 = tanh(W_1 x), h_l = tanh(W_l h_{l-1} / N), output W_{L+1} h_L / N (no biases)"
    )
    widths: Annotated[tuple[AtLeastTwo, ...], Items(2)] = key(
        (16, 32, 64, 128, 256), "widths N of every hidden layer; the slopes are fitted in log N, so a log grid"
    )
    seeds: Annotated[tuple[NonNegative, ...], Items(2)] = key(
        (0, 1, 2, 3, 4, 5),
        "run seeds (initialisation per (seed, depth, width); the batch order per seed, shared by every width); "
        "consecutive disjoint pairs (0-1, 2-3, ...) are connected",
        note="an even number of them (an odd count is refused)",
    )
    seeds_per_job: int = key(6, "runs (seeds) of one (dataset, depth, width) cell per training job", ge=1)
    activation: Activation = key("tanh", "hidden activation (the seed's theory wants a bounded, smooth one)")
    loss: ConnectivityLoss = key(
        "mse",
        "1/2 sum_c (y_c - yhat_c)^2 against the one-hot label (the seed's square loss) or the cross-entropy; L_N, L_M "
        "and the barriers are this loss",
    )
    lr: Number = key(
        0.05,
        "SGD step alpha in the mean-field scaling: the first and last layers at alpha N, the N x N layers at alpha "
        "N^2, so every neuron moves by O(alpha) per step at any width",
        gt=0,
    )
    batch_size: int = key(16, "SGD mini-batch size", ge=1)
    epochs: int = key(10, "SGD epochs over the training split", ge=1)
    disjoint_data: Flag = key(
        False,
        "the first seed of every pair trains on one half of the training split and the second on the other half (a "
        "fixed seeded cut; a seed outside every pair on the first half), so that a pair differs in data as well as "
        "initialisation; L_N is measured on the whole split",
    )
    fractions: Annotated[tuple[Fraction, ...], Items(1)] = key(
        (0.5, 0.25, 0.75),
        "kept fractions M / N: L_M keeps M = round(f N) random neurons of every hidden layer and averages over them "
        "(the kept outgoing weights times N / M); the path always uses halves",
        note="with 0 < round(f N) < N at every width (else refused)",
    )
    n_subsets: int = key(5, "random subsets per run and fraction (gap = mean of |L_N - L_M| over them)", ge=1)
    points_per_segment: int = key(
        11,
        "equally spaced points evaluated per segment of the straight line and of the 2L + 3 segments of the dropout "
        "path (ends shared)",
        ge=2,
    )
    path_width: int | None = key(
        None, "the width whose paths the path figure draws (one of `widths`); null = the smallest", ge=2
    )
