# Path helpers and input functions shared by every stage.
from dof.grid import check_dims

# Grid checks the schema cannot express: every d must fit the networks (d <= D).
check_dims(config["datasets"], config["models"], config["subspace"]["dims"])

RESULTS = f"results/{config['experiment']}"
ENV = "../../envs/dof.yaml"


wildcard_constraints:
    dataset="[A-Za-z0-9]+",
    model="[A-Za-z0-9]+",
    t0=r"\d+",
    seed=r"\d+",
    d=r"\d+",
    seeds=r"\d+(-\d+)*",


def seed_chunks():
    """The configured seeds in groups of seeds_per_job, each named by its seeds joined with '-'."""
    seeds = config["subspace"]["seeds"]
    size = config["subspace"]["seeds_per_job"]
    return ["-".join(map(str, seeds[i : i + size])) for i in range(0, len(seeds), size)]


def chunk_seeds(wildcards):
    """The seeds of the chunk named in the wildcards."""
    return [int(seed) for seed in wildcards.seeds.split("-")]


def checkpoint_path(dataset, model, t0, seed):
    """Where the burn-in checkpoint theta_t0 of one seed lives."""
    return f"{RESULTS}/checkpoints/{dataset}/{model}/t0_{t0}/seed_{seed}.pt"


def chunk_checkpoints(wildcards):
    """The burn-in checkpoints a chunk of subspace runs starts from."""
    return [
        checkpoint_path(wildcards.dataset, wildcards.model, wildcards.t0, seed)
        for seed in chunk_seeds(wildcards)
    ]


def run_chunk_paths():
    """Every run-record file of the configured grid."""
    return expand(
        f"{RESULTS}/runs/{{dataset}}/{{model}}/t0_{{t0}}/d_{{d}}/seeds_{{seeds}}.parquet",
        dataset=config["datasets"],
        model=config["models"],
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


def dataset_options(wildcards):
    """Loader options of the dataset in the wildcards: its own block for the embedded sets, else root/download."""
    data = config["data"]
    if wildcards.dataset in data:
        return data[wildcards.dataset]
    return {"root": data["root"], "download": data["download"]}


def burn_in_hyperparameters():
    """Burn-in optimiser settings without the t0 grid, so growing the grid does not rerun old jobs."""
    return {k: v for k, v in config["burn_in"].items() if k != "t0"}


def subspace_hyperparameters():
    """Subspace training settings without the grid axes (dims, seeds, seeds_per_job)."""
    grid_keys = {"dims", "seeds", "seeds_per_job"}
    return {k: v for k, v in config["subspace"].items() if k not in grid_keys}


def figure_stems():
    """Stems of the figure files (each written as .pdf and .png) for every dataset and model."""
    return expand(
        f"{RESULTS}/figures/{{figure}}_{{dataset}}_{{model}}",
        figure=["fig2_success_map", "fig3_thresholds"],
        dataset=config["datasets"],
        model=config["models"],
    )


def final_targets():
    """The tables and figures `rule all` asks for."""
    tables = [f"{RESULTS}/{name}.parquet" for name in ("runs", "success", "thresholds")]
    figures = [f"{stem}.{ext}" for stem in figure_stems() for ext in ("png", "pdf")]
    return tables + figures
