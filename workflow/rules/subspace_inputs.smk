# Input functions and params of the rules in subspace.smk (a stage's functions live beside its rules, in
# their own file, so that `snakemake --lint` finds no functions mixed with rules).
import pandas as pd
from snakemake.logging import logger


def chunk_burn_in_files(wildcards):
    """The burn-in file(s) a chunk of subspace runs starts from."""
    return burn_in_files(
        wildcards.dataset,
        wildcards.model,
        wildcards.t0,
        chunk_seeds(wildcards),
        start_of(wildcards),
    )


def subspace_grids():
    """The subspace runs: (dataset, model, start, t0, d, seed) from datasets, models, starts, burn_in.t0,
    subspace.dims and subspace.seeds, subspace.seeds_per_job seeds to a job; one Grid per group of models with the
    same starts (a checkpoint start belongs to one model), a single Grid when every model has the same.
    """
    groups = {}
    for model in CFG.model_names:
        groups.setdefault(CFG.starts_of(model), []).append(model)
    return [
        Grid(
            {
                "dataset": CFG.dataset_names,
                "model": models,
                "start": starts,
                "t0": CFG.burn_in.t0,
                "d": CFG.subspace.dims,
                "seed": CFG.subspace.seeds,
            },
            CFG.subspace.seeds_per_job,
        )
        for starts, models in groups.items()
    ]


def cell_chunk_files(cells):
    """The run-record chunks of (dataset, model, start, t0, d) cells, every seed chunk of each."""
    template = rules.train_subspaces.output[0]
    return [
        path
        for cell in cells
        for grid in subspace_grids()
        if cell["model"] in grid.columns["model"]
        for path in grid_paths(template, grid, **cell)
    ]


def configured_chunk_files():
    """The run-record chunks of the configured grid."""
    template = rules.train_subspaces.output[0]
    return [path for grid in subspace_grids() for path in grid_paths(template, grid)]


def refined_cells_so_far(rounds):
    """The (dataset, model, start, t0, d) cells that refinement rounds 1..rounds added, read from each round's
    checkpoint table (Snakemake runs the runs a round reads, then the round, then re-evaluates what depends on it).
    """
    return [
        {key: cell[key] for key in ("dataset", "model", "start", "t0", "d")}
        for number in range(1, rounds + 1)
        for cell in pd.read_parquet(
            checkpoints.refine_grid.get(round=number).output[0]
        ).to_dict("records")
    ]


def run_chunk_files(wildcards):
    """Every run-record chunk: the configured grid and the cells of every refinement round."""
    rounds = CFG.thresholds.refine.rounds
    return configured_chunk_files() + cell_chunk_files(refined_cells_so_far(rounds))


def runs_before_round(wildcards):
    """The run-record chunks a refinement round reads: the configured grid and the earlier rounds' cells."""
    rounds = int(wildcards.round) - 1
    return configured_chunk_files() + cell_chunk_files(refined_cells_so_far(rounds))


def refinement_settings():
    """What the refined grid depends on: the success criteria and the refine block (a param of aggregate_runs, so
    that a changed round count or level re-reads the rounds even where runs.parquet exists).
    """
    keys = ("metrics", "epsilons", "delta", "confidence", "refine")
    thresholds = as_dict(CFG.thresholds)
    return {key: thresholds[key] for key in keys}


def round_settings():
    """What one refinement round depends on: refinement_settings without the round count (the round is its
    wildcard), so that adding a round does not rerun the finished ones."""
    settings = refinement_settings()
    return {
        **settings,
        "refine": {k: v for k, v in settings["refine"].items() if k != "rounds"},
    }


def refinement_tables(wildcards):
    """The cell tables of every refinement round (none without refinement). Snakemake does not start a checkpoint
    below a table that exists (snakemake/snakemake#4124), so a round added to finished results is announced with
    the command that runs it."""
    rounds = CFG.thresholds.refine.rounds
    tables = expand(rules.refine_grid.output[0], round=range(1, rounds + 1))
    missing = [path for path in tables if not Path(path).exists()]
    if missing and Path(rules.aggregate_runs.output[0]).exists():
        logger.warning(
            f"thresholds.refine asks for {len(missing)} refinement round(s) not yet run ({missing[0]}, ...) but "
            f"{rules.aggregate_runs.output[0]} exists, and Snakemake does not start a checkpoint below a "
            "finished table: run `snakemake --forcerun aggregate_runs` (with your --configfile) to run them."
        )
    return tables


def expected_runs():
    """The (dataset, model, start, t0, d, seed) grid that runs.parquet must hold exactly (the union of its parts)."""
    return [expected_rows(grid) for grid in subspace_grids()]
