# Input functions and params of the rules in connectivity.smk (a stage's functions live beside its rules, in their
# own file, so that `snakemake --lint` finds no functions mixed with rules).
from dof.config import ConnectivityConfig
from dof.tables import CONNECTIVITY_SPLITS
from dof.stages.connectivity import seed_pairs


def connectivity_grid():
    """The connectivity runs: (dataset, depth, width, seed) from connectivity.datasets, .depths, .widths and .seeds,
    connectivity.seeds_per_job seeds to a job; a cell is one (dataset, depth, width)."""
    block = CFG.connectivity
    columns = {
        "dataset": block.datasets,
        "depth": block.depths,
        "width": block.widths,
        "seed": block.seeds,
    }
    return Grid(columns, block.seeds_per_job)


def connectivity_training():
    """Training settings of a connectivity run: the block without its grid and its evaluation keys."""
    evaluation = set(ConnectivityConfig.EVALUATION)
    block = settings(CFG.connectivity)
    return {key: value for key, value in block.items() if key not in evaluation}


def connectivity_halves(wildcards):
    """With connectivity.disjoint_data: the half of the training split each seed of the chunk trains on (1 for
    the second seed of a pair, else 0); an empty list without."""
    if not CFG.connectivity.disjoint_data:
        return []
    second = {b for _, b in seed_pairs(CFG.connectivity.seeds)}
    return [int(seed in second) for seed in chunk_seeds(wildcards)]


def connectivity_cell_weights(wildcards):
    """The trained weights of every seed chunk of one (dataset, depth, width) cell."""
    cell = {name: getattr(wildcards, name) for name in ("dataset", "depth", "width")}
    return grid_paths(
        rules.train_connectivity.output.weights, connectivity_grid(), **cell
    )


def expected_connectivity():
    """The grids the tables must hold exactly: runs, dropout rows and barriers."""
    block = CFG.connectivity
    runs = expected_rows(connectivity_grid())
    cell = {key: runs[key] for key in ("dataset", "depth", "width")}
    return {
        "runs": runs,
        "dropout": {
            **runs,
            "fraction": list(block.fractions),
            "subset": list(range(block.n_subsets)),
            "split": list(CONNECTIVITY_SPLITS),
        },
        "barriers": {
            **cell,
            "pair": [f"{a}-{b}" for a, b in seed_pairs(block.seeds)],
            "path": ["straight", "dropout"],
            "split": list(CONNECTIVITY_SPLITS),
        },
    }


def connectivity_targets():
    """With connectivity.enabled: the connectivity tables and the three figures of every dataset and depth."""
    if not CFG.connectivity.enabled:
        return []
    figures = [
        path
        for template in rules.connectivity_figures.output
        for path in grid_paths(template, connectivity_grid())
    ]
    return [*rules.connectivity_tables.output, *figures]
