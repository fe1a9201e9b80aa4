"""The key columns of the stage tables (the columns that identify a row), defined once for the stages that write the
tables and the analysis that reads them. A leaf module: it imports nothing of dof. docs/tables.md lists the same keys
(tests/test_tables.py checks that it does)."""

from __future__ import annotations

SUBSPACE_RUN_KEY = ("dataset", "model", "start", "t0", "d", "seed")
"""runs.parquet: one subspace run, seed `seed`'s random subspace of dimension d through the burn-in checkpoint t0 of
`model` on `dataset`, burnt in from `start` (init: the seeded initialisation; else a checkpoint's name)."""

GOLDILOCKS_RUN_KEY = ("dataset", "model", "init_scale", "d", "seed")
"""goldilocks_runs.parquet: one Goldilocks run, a seed's subspace of dimension d through r theta_0 (r = init_scale)."""

JAMMING_RUN_KEY = ("dataset", "depth", "n_train", "width", "seed")
"""jamming_runs.parquet: one jamming run, a network of `depth` hidden layers of `width` units (depth 0: a linear model
on the first `width` input coordinates) trained from seed `seed` on the first `n_train` = P training points."""

JAMMING_SUBSPACE_RUN_KEY = ("dataset", "n_train", "d", "seed")
"""jamming_subspace_runs.parquet: the wide network of seed `seed` trained in a random subspace of dimension d on the
first P = `n_train` points of `dataset`."""

CONNECTIVITY_RUN_KEY = ("dataset", "depth", "width", "seed")
"""connectivity_runs.parquet: a mean-field network of `depth` hidden layers of `width` neurons trained with SGD from
seed `seed`."""

CONNECTIVITY_PATH_KEY = ("dataset", "depth", "width", "seed_a", "seed_b", "path", "split", "position")
"""connectivity_paths.parquet: one evaluated point, at `position` (in segments) along the `path` (straight or
dropout) between the solutions of seeds `seed_a` and `seed_b`, on one split."""

QUADRATIC_WIDTH_KEY = ("spectrum", "R", "epsilon")
"""widths.parquet: the Gaussian width and predicted d* of one quadratic well (`spectrum`) seen from a start at distance
R, at the loss threshold epsilon."""

D_STAR_PREDICTION_KEY = ("dataset", "model", "seed", "t0", "metric", "epsilon")
"""d_star_prediction.parquet: the d* predicted around the trained solution of Hessian seed `seed` from the burn-in
point t0, for accuracy `metric` >= epsilon, beside the measured d*."""

CONNECTIVITY_SPLITS = ("train", "test")
"""The `split` values of the connectivity tables: the splits every loss and accuracy is measured on."""

TABLE_KEYS = {
    "runs.parquet": SUBSPACE_RUN_KEY,
    "goldilocks_runs.parquet": GOLDILOCKS_RUN_KEY,
    "jamming_runs.parquet": JAMMING_RUN_KEY,
    "jamming_subspace_runs.parquet": JAMMING_SUBSPACE_RUN_KEY,
    "connectivity_runs.parquet": CONNECTIVITY_RUN_KEY,
    "connectivity_paths.parquet": CONNECTIVITY_PATH_KEY,
    "widths.parquet": QUADRATIC_WIDTH_KEY,
    "d_star_prediction.parquet": D_STAR_PREDICTION_KEY,
}
"""Each key above by the file name of its table under results/<experiment>/."""
