# Input functions and params of the rules in connectivity.smk (a stage's functions live beside its rules, in their
# own file, so that `snakemake --lint` finds no functions mixed with rules).
from dof.config import ConnectivityConfig
from dof.analysis.connectivity import SPLITS
from dof.stages.connectivity import seed_pairs


def connectivity_training():
    """Training settings of a connectivity run: the block without its grid and its evaluation keys."""
    evaluation = set(ConnectivityConfig.EVALUATION)
    block = hyperparameters(ConnectivityConfig, config["connectivity"])
    return {key: value for key, value in block.items() if key not in evaluation}


def connectivity_evaluation():
    """Settings of a cell's dropout and path evaluation: the block without its grid."""
    return hyperparameters(ConnectivityConfig, config["connectivity"])


def connectivity_chunks():
    """The configured connectivity seeds in groups of seeds_per_job."""
    block = config["connectivity"]
    return chunk_names(block["seeds"], block["seeds_per_job"])


def connectivity_halves(wildcards):
    """With connectivity.disjoint_data: the half of the training split each seed of the chunk trains on (1 for
    the second seed of a pair, else 0); an empty list without."""
    block = config["connectivity"]
    if not block["disjoint_data"]:
        return []
    second = {b for _, b in seed_pairs(block["seeds"])}
    return [int(seed in second) for seed in chunk_seeds(wildcards)]


def connectivity_cell_weights(wildcards):
    """The trained weights of every seed chunk of one (dataset, depth, width) cell."""
    return expand(
        rules.train_connectivity.output.weights,
        dataset=wildcards.dataset,
        depth=wildcards.depth,
        width=wildcards.width,
        seeds=connectivity_chunks(),
    )


def connectivity_grid(template):
    """A training path template expanded over the whole configured grid."""
    block = config["connectivity"]
    return expand(
        template,
        dataset=block["datasets"],
        depth=block["depths"],
        width=block["widths"],
        seeds=connectivity_chunks(),
    )


def connectivity_cells(template):
    """A cell path template expanded over every (dataset, depth, width)."""
    block = config["connectivity"]
    return expand(
        template,
        dataset=block["datasets"],
        depth=block["depths"],
        width=block["widths"],
    )


def expected_connectivity():
    """The grids the tables must hold exactly: runs, dropout rows and barriers."""
    block = config["connectivity"]
    cell = {
        "dataset": block["datasets"],
        "depth": block["depths"],
        "width": block["widths"],
    }
    return {
        "runs": {**cell, "seed": block["seeds"]},
        "dropout": {
            **cell,
            "seed": block["seeds"],
            "fraction": block["fractions"],
            "subset": list(range(block["n_subsets"])),
            "split": list(SPLITS),
        },
        "barriers": {
            **cell,
            "pair": [f"{a}-{b}" for a, b in seed_pairs(block["seeds"])],
            "path": ["straight", "dropout"],
            "split": list(SPLITS),
        },
    }


def connectivity_targets():
    """With connectivity.enabled: the connectivity tables and the three figures of every dataset and depth."""
    block = config["connectivity"]
    if not block["enabled"]:
        return []
    figures = [
        path
        for template in rules.connectivity_figures.output
        for path in expand(template, dataset=block["datasets"], depth=block["depths"])
    ]
    return [*rules.connectivity_tables.output, *figures]
