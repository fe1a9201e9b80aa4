# Input functions and params of the rules in subspace.smk (a stage's functions live beside its rules, in
# their own file, so that `snakemake --lint` finds no functions mixed with rules).


def chunk_burn_in_files(wildcards):
    """The burn-in file(s) a chunk of subspace runs starts from."""
    return burn_in_files(
        wildcards.dataset, wildcards.model, wildcards.t0, chunk_seeds(wildcards)
    )


def run_chunk_files():
    """Every run-record chunk of the configured grid."""
    return per_network(
        rules.train_subspaces.output[0],
        t0=config["burn_in"]["t0"],
        d=config["subspace"]["dims"],
        seeds=seed_chunks(),
    )


def expected_runs():
    """The (dataset, model, t0, d, seed) grid that runs.parquet must hold exactly."""
    return {
        "dataset": config["datasets"],
        "model": config["models"],
        "t0": config["burn_in"]["t0"],
        "d": config["subspace"]["dims"],
        "seed": config["subspace"]["seeds"],
    }
