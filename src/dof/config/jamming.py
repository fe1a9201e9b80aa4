"""The `jamming` block: the jamming transition and its random subspaces."""

from __future__ import annotations

from typing import Annotated, ClassVar

from dof.config.base import (
    BaseProjection,
    Flag,
    Items,
    JammingDataset,
    JammingDtype,
    JammingLoss,
    NonNegative,
    Number,
    Positive,
    Seeds,
    block,
    key,
)


@block
class GaussianConfig:
    """The synthetic jamming set: x ~ N(0, I) with random labels +-1, drawn afresh for every (P, seed)."""

    input_dim: int = key(10, "dimension of the Gaussian inputs", ge=1)
    n_test: int = key(
        1000, "test points drawn with each training set (random labels: test error 1/2 by construction)", ge=1
    )


@block
class JammingSubspaceConfig:
    """Degrees of freedom two ways: random affine subspaces (dimension d) of one wide FC network trained on the
    jamming task with its loss and stop rules; d*(P) where L = 0 is reached, beside N*(P). No dims: not run."""

    GRID: ClassVar[tuple[str, ...]] = ("dims", "seeds")
    dims: Annotated[tuple[Positive, ...], Items(0)] = key(
        (),
        "subspace dimensions d (at most the wide network's N: larger ones are refused before any run); empty: no "
        "subspace runs",
    )
    seeds: Seeds | None = key(
        None,
        "run seeds (initialisation theta_0 and projection A, see `jamming.subspace.nested`; for gaussian the data "
        "draw); null: the jamming seeds (`jamming.seeds`)",
    )
    depth: int = key(
        1, "hidden layers of the wide network (0: a linear model on the first `jamming.subspace.width` inputs)", ge=0
    )
    width: int = key(
        128,
        "hidden width of the wide network; theta_0 is the full-space jamming run's initialisation at this depth, "
        "width and seed",
        ge=1,
    )
    projection: BaseProjection = key("dense", "how A is built, as `subspace.projection` (its random kinds)")
    nested: Flag = key(
        True,
        "as `subspace.nested`: true: a seed's A_d is the first d columns of one seed-determined A, so its subspaces "
        "grow with d (success almost monotone in d); false: A drawn afresh for every (seed, d), independent cells "
        "across d (how the numbers in docs/measurements.md were measured)",
    )
    lr: Number = key(
        0.3,
        "learning rate of full-batch Adam on phi (at P = 200, d = 48: 3 of 3 seeds fitted at 0.3, 2 of 3 at 0.1 and "
        "0.03)",
        gt=0,
    )


@block
class JammingConfig:
    """The jamming transition: FC networks of N parameters trained full-batch (Adam) on a hinge loss over P points
    with labels +-1 until L = 0 ('fitted'), a plateau after every lr drop with N_Delta > stuck_n_delta N ('stuck') or
    the step budget ('budget': undecided, censored)."""

    GRID: ClassVar[tuple[str, ...]] = ("enabled", "datasets", "n_train", "depths", "widths", "seeds", "seeds_per_job")
    enabled: Flag = key(False, "run the jamming stage")
    datasets: Annotated[tuple[JammingDataset, ...], Items(1)] = key(
        ("mnist5k",),
        "label y = +1 for an even class index, -1 for an odd one (digits: the digit's parity; cifar10: even vs odd "
        "class index); gaussian: x ~ N(0, I) with random labels, drawn afresh per (P, seed)",
    )
    n_train: Annotated[tuple[Positive, ...], Items(1)] = key(
        (100, 200, 400),
        "training set sizes P: the first P points of the dataset's training split (`data.mnist5k` etc. set that "
        "split); the test set is the whole test split",
    )
    depths: Annotated[tuple[NonNegative, ...], Items(1)] = key(
        (1,), "hidden layers L (ReLU, biases, scalar output); 0 = a linear model"
    )
    widths: Annotated[tuple[Positive, ...], Items(1)] = key(
        (1, 2, 4, 8, 16, 32, 64),
        "hidden widths h; for depth 0 the number of input coordinates the linear model keeps (the leading principal "
        "components, or Gaussian coordinates), so that N = h + 1",
    )
    seeds: Seeds = key(
        (0, 1, 2, 3, 4),
        "run seeds: the initialisation (and for gaussian the data draw); the ensemble of a (P, N) cell averages its "
        "seeds' outputs",
    )
    seeds_per_job: int = key(5, "runs (seeds) of one (dataset, depth, P, width) cell per job", ge=1)
    pca: int | None = key(
        10,
        "whiten the flattened inputs onto their top-k principal components, fitted on the whole training split "
        "(never the test split); null keeps the pixels. Every input is then centred on the training mean and "
        "rescaled to norm sqrt(dim)",
        ge=1,
    )
    loss: JammingLoss = key(
        "quadratic_hinge", "(1/P) sum 1/2 max(0, 1 - y f)^2, or the linear hinge (1/P) sum max(0, 1 - y f)"
    )
    lr: Number = key(
        0.01,
        "learning rate of full-batch Adam (torch defaults otherwise). Adam moves every weight by about lr per step: at "
        "0.1 the first steps switch ReLU units off and deeper networks sit at an exact critical point with L > 0 "
        "(issue 25); a linear model near Cover's transition needs large weights and trains best at lr 1 "
        "(tests/stages/test_jamming.py)",
        gt=0,
    )
    max_steps: int = key(20000, "step budget; a run still at L > 0 there has status `budget`", ge=1)
    check_every: int = key(100, "steps between plateau checks (L = 0 is checked before every update)", ge=1)
    plateau_steps: int = key(
        2000,
        "a plateau: the best loss fell by less than `jamming.plateau_rtol` (relative) over this many steps or half "
        "the steps since the last lr drop, whichever is longer (a loss decaying as a power of the steps never "
        "plateaus)",
        ge=1,
    )
    plateau_rtol: Number = key(0.01, "relative fall of the best loss that still counts as progress", gt=0, lt=1)
    fit_tolerance: Number = key(
        1e-9,
        "a run counts as fitted (L = 0) once every margin y f >= 1 - fit_tolerance, and N_Delta counts the points "
        "with y f < 1 - fit_tolerance: the quadratic hinge's gradient vanishes with the gap, so gaps of 1e-16 (loss "
        "1e-32) are float rounding, not unsatisfied constraints",
        ge=0,
    )
    lr_drops: int = key(
        2,
        "on a plateau the lr is multiplied by `jamming.lr_factor`, at most this many times; a further plateau makes "
        "the run `stuck` (with more than `jamming.stuck_n_delta` N margins unmet)",
        ge=0,
    )
    lr_factor: Number = key(0.1, "factor of one lr drop", gt=0, lt=1)
    stuck_n_delta: Number = key(
        0.1,
        "a plateau after the last lr drop makes the run `stuck` (UNSAT) only with more than this fraction of N "
        "margins unsatisfied (N_Delta > 0.1 N: Geiger et al.'s UNSAT call); with fewer it trains on to `budget` "
        "(undecided, censored in N*(P))",
        ge=0,
    )
    log_every: int = key(1000, "steps between progress lines in a job's log", ge=1)
    dtype: JammingDtype = key(
        "float64", "precision of training and evaluation (the authors: float32 made borderline runs worse)"
    )
    gaussian: GaussianConfig = key(
        GaussianConfig(), "the synthetic Gaussian set: x ~ N(0, I) with random labels +-1, drawn afresh per (P, seed)"
    )
    subspace: JammingSubspaceConfig = key(
        JammingSubspaceConfig(),
        "degrees of freedom two ways: random affine subspaces theta_0 + A phi of one wide network "
        "(`train_jamming_subspaces`), phi trained full-batch on the same task, P values, loss (`jamming.loss`) and "
        "stop rules (`jamming.max_steps`, plateaus, `jamming.fit_tolerance`) as the full-space runs; success is "
        "L = 0; d*(P) in jamming_subspace_thresholds.parquet and beside N*(P) in jamming_dof.parquet and the figure "
        "jamming_dof_{dataset}. phi is float32 (the projections' precision), theta_0 and the network `jamming.dtype`",
    )
