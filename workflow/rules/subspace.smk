# Subspace runs: for one (dataset, model, t0, d), a chunk of seeds, each in its own random subspace; then all chunks
# into runs.parquet.


def chunk_burn_in_files(wildcards):
    """The burn-in file(s) a chunk of subspace runs starts from."""
    return burn_in_files(
        wildcards.dataset, wildcards.model, wildcards.t0, chunk_seeds(wildcards)
    )


rule train_subspaces:
    input:
        checkpoints=chunk_burn_in_files,
    output:
        f"{RESULTS}/runs/{{dataset}}/{{model}}/t0_{{t0}}/d_{{d}}/seeds_{{seeds}}.parquet",
    log:
        f"{RESULTS}/logs/train_subspaces/{{dataset}}/{{model}}/t0_{{t0}}/d_{{d}}/seeds_{{seeds}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/train_subspaces/{{dataset}}/{{model}}/t0_{{t0}}/d_{{d}}/seeds_{{seeds}}.tsv"
    conda:
        ENV
    threads: 1
    params:
        seeds=chunk_seeds,
        data=dataset_options,
        subspace=subspace_hyperparameters(),
        burn_in=burn_in_hyperparameters(),
        device=config["device"],
    script:
        "../scripts/train_subspaces.py"


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


rule aggregate_runs:
    input:
        run_chunk_files(),
    output:
        f"{RESULTS}/runs.parquet",
    log:
        f"{RESULTS}/logs/aggregate_runs.log",
    conda:
        ENV
    params:
        expected=expected_runs(),
    script:
        "../scripts/aggregate_runs.py"
