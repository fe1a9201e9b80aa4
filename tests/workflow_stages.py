"""The stages DAG: every stage's tiny config block in one config (experiment `stages`, the 8x8 digits, Conv-2), run
once per session through the real snakemake command by the `stages_project` fixture (tests/conftest.py). Each
stage's workflow test asserts on its outputs; a new stage adds its block and targets to STAGES, not a DAG of its own.
"""

from collections.abc import Callable

EXPERIMENT = "stages"
RESULTS = f"results/{EXPERIMENT}"
SEEDS = [0, 1]
"""subspace.seeds (the baseline trains one network per seed)."""

BASELINE = {"enabled": True, "lr": 1000.0, "epochs": 1}
"""A baseline forced to fail (Adam at lr 1,000): flagged, and no d_int90 is measured against it."""

QUADRATIC_DIMS = [10, 50, 100, 150]
"""theory.quadratic.dims of D = 200 (the smoke config's n_params): the far, tight cells are never reached."""

LOTTERY = {
    "enabled": True,
    "dims": [1, 4],
    "seeds_per_job": 2,
    "trajectory_steps": 24,
    "record_every": 4,
    "tickets": {"kept_fractions": [1.0, 0.3, 0.1], "prune_rate_per_round": 0.7, "one_shot": False},
    "supermask": {"enabled": True, "kept_fractions": [1.0, 0.1], "steps": 8},
}

GOLDILOCKS_SCALES = [0.25, 1.0, 4.0]
GOLDILOCKS = {"enabled": True, "init_scales": GOLDILOCKS_SCALES, "dims": [8], "curvature_seeds": 1, "n_examples": 64}

CONFINEMENT = {"enabled": True, "ks": [1, 5], "n_examples": 64, "lanczos_iterations": 15, "trajectory_steps": [0, 2, 4]}

CONNECTIVITY_WIDTHS, CONNECTIVITY_SEEDS, CONNECTIVITY_FRACTIONS = [8, 16], [0, 1, 2, 3], [0.5, 0.25]
CONNECTIVITY = {
    "enabled": True,
    "datasets": ["digits"],
    "depths": [2],
    "widths": CONNECTIVITY_WIDTHS,
    "seeds": CONNECTIVITY_SEEDS,
    "seeds_per_job": 4,
    "epochs": 1,
    "disjoint_data": True,
    "fractions": CONNECTIVITY_FRACTIONS,
    "n_subsets": 2,
    "points_per_segment": 3,
    "path_width": 16,
}

JAMMING_P, JAMMING_WIDTHS, JAMMING_SEEDS, JAMMING_DIMS = 20, [7, 9, 11, 13], list(range(8)), [12]
JAMMING = {
    "enabled": True,
    "datasets": ["gaussian"],
    "n_train": [JAMMING_P],
    "depths": [0],
    "widths": JAMMING_WIDTHS,
    "seeds": JAMMING_SEEDS,
    "seeds_per_job": len(JAMMING_SEEDS),
    "lr": 1.0,
    "max_steps": 3000,
    "check_every": 50,
    "plateau_steps": 300,
    "lr_drops": 2,
    "gaussian": {"input_dim": 13, "n_test": 50},
    "subspace": {"dims": JAMMING_DIMS, "depth": 0, "width": 13, "lr": 1.0},
}
"""A linear model on P = 20 Gaussian points with random labels, widths around N = P / 2 (Cover's capacity)."""


def _tables(*names: str) -> list[str]:
    return [f"{RESULTS}/{name}.parquet" for name in names]


def _figures(*names: str) -> list[str]:
    return [f"{RESULTS}/figures/{name}.png" for name in names]


def _core(config: dict) -> None:
    config["experiment"] = EXPERIMENT
    config["datasets"] = ["digits"]
    config["burn_in"]["t0"] = [0, 4]
    config["subspace"].update(dims=[8, 64], seeds=SEEDS, seeds_per_job=2, epochs=1)
    config["thresholds"]["n_bootstrap"] = 50


STAGES: dict[str, tuple[Callable[[dict], None], list[str]]] = {
    "baseline": (
        lambda c: c.update(baseline=BASELINE),
        _tables("baseline", "thresholds"),
    ),
    "theory": (
        lambda c: c["theory"]["quadratic"].update(dims=QUADRATIC_DIMS),
        _tables("widths") + _figures("fig5_quadratic"),
    ),
    "lottery": (
        lambda c: c.update(lottery=LOTTERY),
        _tables("methods_thresholds", "methods_reach") + _figures("fig7_compression_digits_conv2"),
    ),
    "goldilocks": (
        lambda c: c.update(goldilocks=GOLDILOCKS),
        _tables("goldilocks_runs", "goldilocks_success", "goldilocks_curvature", "goldilocks_peaks")
        + _figures("goldilocks_digits_conv2"),
    ),
    "confinement": (
        lambda c: c.update(confinement=CONFINEMENT),
        _tables("confinement") + _figures("confinement_digits_conv2"),
    ),
    "connectivity": (
        lambda c: c.update(connectivity=CONNECTIVITY),
        _tables(*(f"connectivity_{name}" for name in ("runs", "dropout", "gaps", "barriers", "paths", "slopes")))
        + _tables("connectivity_summary")
        + _figures(*(f"connectivity_{name}_digits_L2" for name in ("gap", "barriers", "paths"))),
    ),
    "jamming": (
        lambda c: c.update(jamming=JAMMING),
        _tables("jamming_runs", "jamming_success", "jamming_thresholds", "jamming_c0", "jamming_ensembles")
        + _tables("jamming_subspace_runs", "jamming_subspace_thresholds", "jamming_dof")
        + _figures(*(f"jamming_{name}_gaussian_L0" for name in ("phase", "double_descent", "n_delta")))
        + _figures("jamming_dof_gaussian"),
    ),
}
"""Each stage: how it changes the smoke config, and the targets its test reads."""


def stages_config(config: dict) -> None:
    """The smoke config turned, in place, into the stages DAG's: the digits, a tiny grid, every stage's block."""
    _core(config)
    for change, _ in STAGES.values():
        change(config)


def stages_targets() -> list[str]:
    """Every stage's targets, for one snakemake command."""
    return sorted({target for _, targets in STAGES.values() for target in targets})
