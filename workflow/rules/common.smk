# Shared by every stage: the results folder, wildcard constraints, seed chunks, dataset options, the final targets.
# A stage's own input functions live beside its rules; other rules' outputs are referred to as rules.X.output.
from pathlib import Path

from dof.engine.provenance import code_fingerprint
from dof.config import (
    BurnInConfig,
    SubspaceConfig,
    check_grid,
    hyperparameters,
)

# Checks the schema cannot express (every d fits the networks, lottery dims fit the trajectory); strict dataclasses.
check_grid(config)

RESULTS = f"results/{config['experiment']}"
ENV = "../../envs/dof.yaml"


wildcard_constraints:
    dataset="[A-Za-z0-9_]+",
    model="[A-Za-z0-9]+",
    t0=r"\d+",
    seed=r"\d+",
    d=r"\d+",
    seeds=r"\d+(-\d+)*",
    point=r"t0_\d+|solution",


def chunk_names(seeds, size):
    """Seeds in groups of `size`, each named by its seeds joined with '-'."""
    return ["-".join(map(str, seeds[i : i + size])) for i in range(0, len(seeds), size)]


def seed_chunks():
    """The configured subspace seeds in groups of seeds_per_job (the chunks of train_subspaces and burn_in)."""
    return chunk_names(config["subspace"]["seeds"], config["subspace"]["seeds_per_job"])


SEED_CHUNK = {
    seed: name for name in seed_chunks() for seed in map(int, name.split("-"))
}
"""The subspace chunk name of every configured seed, computed once for the input functions."""


def chunk_seeds(wildcards):
    """The seeds of the chunk named in the wildcards."""
    return [int(seed) for seed in wildcards.seeds.split("-")]


def burn_in_files(dataset, model, t0, seeds):
    """The burn_in files holding the checkpoints theta_t0 of the given seeds (each file once): a seed's subspace
    chunk, or the seed alone outside the subspace grid (e.g. a lottery-only seed)."""
    chunks = dict.fromkeys(SEED_CHUNK.get(int(seed), str(seed)) for seed in seeds)
    return expand(
        rules.burn_in.output[0], dataset=dataset, model=model, t0=t0, seeds=list(chunks)
    )


def seed_burn_in_files(wildcards):
    """The burn-in files of the seed in the wildcards, one per configured t0 (the theory and confinement stages)."""
    return [
        path
        for t0 in config["burn_in"]["t0"]
        for path in burn_in_files(
            wildcards.dataset, wildcards.model, t0, [wildcards.seed]
        )
    ]


def dataset_options(wildcards):
    """Loader options of the dataset in the wildcards: its own block for the embedded sets, else root/download."""
    data = config["data"]
    if wildcards.dataset in data:
        return data[wildcards.dataset]
    return {"root": data["root"], "download": data["download"]}


def burn_in_hyperparameters():
    """Burn-in optimiser settings without the t0 grid, so growing the grid does not rerun old jobs."""
    return hyperparameters(BurnInConfig, config["burn_in"])


def subspace_hyperparameters():
    """Subspace training settings without the grid (dims, seeds, seeds_per_job)."""
    return hyperparameters(SubspaceConfig, config["subspace"])


def per_network(template, **axes):
    """A path template expanded over every configured dataset and model (and any further axes)."""
    return expand(template, dataset=config["datasets"], model=config["models"], **axes)


def code_of(script):
    """The fingerprint of the code a rule's script runs (its syntax and that of the `dof` modules it imports, without
    comments and docstrings): as a param it reruns the rule's jobs when that code changes (`track_code`).
    """
    if not config["track_code"]:
        return "not tracked"
    return code_fingerprint(Path(workflow.basedir) / "workflow" / "scripts" / script)
