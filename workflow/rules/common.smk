# Path helpers and input functions shared by every stage.
from dof.grid import check_dims

# Grid checks the schema cannot express: every d must fit the networks (d <= D).
check_dims(config["datasets"], config["models"], config["subspace"]["dims"])

RESULTS = f"results/{config['experiment']}"
ENV = "../../envs/dof.yaml"


wildcard_constraints:
    dataset="[A-Za-z0-9_]+",
    model="[A-Za-z0-9]+",
    t0=r"\d+",
    seed=r"\d+",
    d=r"\d+",
    seeds=r"\d+(-\d+)*",


def chunk_names(seeds, size):
    """Seeds in groups of `size`, each named by its seeds joined with '-'."""
    return ["-".join(map(str, seeds[i : i + size])) for i in range(0, len(seeds), size)]


def seed_chunks():
    """The configured subspace seeds in groups of seeds_per_job (the train_subspaces and pretrain chunks)."""
    return chunk_names(config["subspace"]["seeds"], config["subspace"]["seeds_per_job"])


SEED_CHUNK = {
    seed: name for name in seed_chunks() for seed in map(int, name.split("-"))
}
"""The subspace chunk name of every configured seed, computed once for the input functions."""


def chunk_seeds(wildcards):
    """The seeds of the chunk named in the wildcards."""
    return [int(seed) for seed in wildcards.seeds.split("-")]


def checkpoint_path(dataset, model, t0, seeds):
    """Where the burn-in checkpoints theta_t0 of one chunk of seeds (one pretrain job) live."""
    return f"{RESULTS}/checkpoints/{dataset}/{model}/t0_{t0}/seeds_{seeds}.pt"


def burn_in_chunk(seed):
    """The name of the pretrain chunk that holds a seed: its subspace seed chunk, or the seed alone outside the grid."""
    return SEED_CHUNK.get(int(seed), str(seed))


def seeds_checkpoints(dataset, model, t0, seeds):
    """The pretrain chunk files holding the burn-in checkpoints of the given seeds at t0 (each file once)."""
    return list(
        dict.fromkeys(
            checkpoint_path(dataset, model, t0, burn_in_chunk(seed)) for seed in seeds
        )
    )


def chunk_checkpoints(wildcards):
    """The burn-in checkpoint file(s) a chunk of subspace runs starts from."""
    return seeds_checkpoints(
        wildcards.dataset, wildcards.model, wildcards.t0, chunk_seeds(wildcards)
    )


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
    figures += [
        f"{RESULTS}/figures/fig6_threshold_fraction.{ext}" for ext in ("png", "pdf")
    ]
    return tables + figures + theory_targets() + lottery_targets()


# Theory stage (workflow/rules/theory.smk): quadratic wells, Hessian spectra, the quadratic prediction of d*.


wildcard_constraints:
    point=r"t0_\d+|solution",


def hessian_seeds():
    """The run seeds whose fully trained solution theta* and Hessian spectra the theory stage computes."""
    return config["subspace"]["seeds"][: config["theory"]["hessian"]["n_seeds"]]


def hessian_points():
    """The checkpoints with a Hessian spectrum: every burn-in point t0_<t0> and the trained solution."""
    return [f"t0_{t0}" for t0 in config["burn_in"]["t0"]] + ["solution"]


def solution_path(dataset, model, seed):
    """Where the fully trained solution theta* of one seed lives."""
    return f"{RESULTS}/solutions/{dataset}/{model}/seed_{seed}.pt"


def hessian_spectrum_path(dataset, model, seed, point):
    """Where the Hessian spectrum of one checkpoint (point t0_<t0> or solution) lives."""
    return f"{RESULTS}/hessian/{dataset}/{model}/seed_{seed}/{point}.parquet"


def solution_geometry_path(dataset, model, seed):
    """Where the distances of one seed's burn-in points from its solution theta* live."""
    return f"{RESULTS}/hessian/{dataset}/{model}/seed_{seed}/geometry.parquet"


def seed_start_checkpoint(wildcards):
    """The file with theta_0 (t0 = 0) of the seed in the wildcards: where its full-space training and trajectory start."""
    return seeds_checkpoints(wildcards.dataset, wildcards.model, 0, [wildcards.seed])


def point_checkpoint(wildcards):
    """The file a hessian_spectrum job analyses: the solution theta* or the burn-in chunk with t0_<t0> of the seed."""
    if wildcards.point == "solution":
        return solution_path(wildcards.dataset, wildcards.model, wildcards.seed)
    t0 = wildcards.point.removeprefix("t0_")
    return seeds_checkpoints(wildcards.dataset, wildcards.model, t0, [wildcards.seed])


def seed_burn_in_checkpoints(wildcards):
    """The burn-in checkpoint files of the seed in the wildcards, one per configured t0."""
    return [
        path
        for t0 in config["burn_in"]["t0"]
        for path in seeds_checkpoints(
            wildcards.dataset, wildcards.model, t0, [wildcards.seed]
        )
    ]


def hessian_spectrum_paths():
    """Every per-checkpoint spectrum table the theory stage computes."""
    return [
        hessian_spectrum_path(dataset, model, seed, point)
        for dataset in config["datasets"]
        for model in config["models"]
        for seed in hessian_seeds()
        for point in hessian_points()
    ]


def solution_geometry_paths():
    """Every per-seed geometry table (distances of the burn-in points from theta*)."""
    return [
        solution_geometry_path(dataset, model, seed)
        for dataset in config["datasets"]
        for model in config["models"]
        for seed in hessian_seeds()
    ]


def solution_hyperparameters():
    """The optimiser of the full-space solution: the subspace runs' Adam and budget (not their projection)."""
    keys = ("lr", "beta1", "beta2", "eps", "batch_size", "epochs")
    return {key: config["subspace"][key] for key in keys}


def hessian_settings():
    """Hessian and SLQ settings without n_seeds, so adding seeds does not rerun the existing spectra."""
    return {k: v for k, v in config["theory"]["hessian"].items() if k != "n_seeds"}


def theory_figure_stems():
    """Stems of the theory figures per dataset and model (each written as .pdf and .png)."""
    return expand(
        f"{RESULTS}/figures/{{figure}}_{{dataset}}_{{model}}",
        figure=["hessian_spectra", "d_star_prediction"],
        dataset=config["datasets"],
        model=config["models"],
    )


def theory_targets():
    """The theory stage's tables and figures that `rule all` asks for."""
    tables = [
        f"{RESULTS}/{name}.parquet"
        for name in (
            "quadratic_success",
            "widths",
            "hessian_spectra",
            "d_star_prediction",
        )
    ]
    stems = [f"{RESULTS}/figures/fig5_quadratic", *theory_figure_stems()]
    return tables + [f"{stem}.{ext}" for stem in stems for ext in ("png", "pdf")]


# Lottery stage (workflow/rules/lottery.smk): full-model baseline, lottery subspaces and tickets, figure 7.


def lottery_seeds():
    """The run seeds of the lottery stage: lottery.seeds, by default the subspace seeds."""
    return config["lottery"].get("seeds") or config["subspace"]["seeds"]


def baseline_enabled():
    """The full-model baseline is computed when asked for, and always for the lottery stage (figure 7)."""
    return config["baseline"]["enabled"] or config["lottery"]["enabled"]


def baseline_seeds():
    """Seeds of the full-model baseline: every subspace seed, plus the lottery seeds when that stage runs."""
    seeds = set(config["subspace"]["seeds"])
    if config["lottery"]["enabled"]:
        seeds |= set(lottery_seeds())
    return sorted(seeds)


def baseline_solutions():
    """The fully trained solutions theta* (theory stage's train_full) the baseline table reads."""
    return [
        solution_path(dataset, model, seed)
        for dataset in config["datasets"]
        for model in config["models"]
        for seed in baseline_seeds()
    ]


def baseline_inputs(wildcards):
    """Extra inputs of thresholds.parquet for d_int90 (runs and baseline), when the baseline is on."""
    if not baseline_enabled():
        return {}
    return {
        "runs": f"{RESULTS}/runs.parquet",
        "baseline": f"{RESULTS}/baseline.parquet",
    }


def baseline_figure_inputs(wildcards):
    """The baseline table figure 2 draws as the full model's dashed line, when the baseline is on."""
    return {"baseline": f"{RESULTS}/baseline.parquet"} if baseline_enabled() else {}


def trajectory_svd_path(dataset, model, seed):
    """Where the top singular vectors of one seed's training trajectory (shared by every d) live."""
    return f"{RESULTS}/trajectories/{dataset}/{model}/seed_{seed}_svd.pt"


def trajectory_path(dataset, model, seed):
    """Where one seed's training trajectory (D x T/k weight increments) lives."""
    return f"{RESULTS}/trajectories/{dataset}/{model}/seed_{seed}.pt"


def chunk_trajectory_svds(wildcards):
    """The trajectory SVDs a chunk of lottery subspace runs projects onto."""
    return [
        trajectory_svd_path(wildcards.dataset, wildcards.model, seed)
        for seed in chunk_seeds(wildcards)
    ]


def chunk_start_checkpoints(wildcards):
    """The files with theta_0 (the t0 = 0 checkpoints) of the seeds of a chunk."""
    return seeds_checkpoints(
        wildcards.dataset, wildcards.model, 0, chunk_seeds(wildcards)
    )


def trajectory_hyperparameters():
    """Trajectory and SVD settings: the burn-in SGD, T, k and the SVD (not the d grid or the seeds)."""
    keys = ("trajectory_steps", "record_every", "svd", "svd_rank")
    return {
        **burn_in_hyperparameters(),
        **{key: config["lottery"][key] for key in keys},
    }


def ticket_hyperparameters():
    """Lottery ticket settings without the switches and the chunk size."""
    skip = {"enabled", "seeds_per_job"}
    return {k: v for k, v in config["lottery"]["tickets"].items() if k not in skip}


def lottery_chunk_paths():
    """Every lottery subspace and lottery ticket chunk table of the configured grid."""
    lottery = config["lottery"]
    paths = expand(
        f"{RESULTS}/lottery_subspaces/{{dataset}}/{{model}}/d_{{d}}/seeds_{{seeds}}.parquet",
        dataset=config["datasets"],
        model=config["models"],
        d=lottery["dims"],
        seeds=chunk_names(lottery_seeds(), lottery["seeds_per_job"]),
    )
    if lottery["tickets"]["enabled"]:
        paths += expand(
            f"{RESULTS}/tickets/{{dataset}}/{{model}}/seeds_{{seeds}}.parquet",
            dataset=config["datasets"],
            model=config["models"],
            seeds=chunk_names(lottery_seeds(), lottery["tickets"]["seeds_per_job"]),
        )
    return paths


def expected_lottery_runs():
    """The grids lottery_runs.parquet must hold exactly: lottery subspaces per d, tickets per kept fraction."""
    lottery, tickets = config["lottery"], config["lottery"]["tickets"]
    base = {"dataset": config["datasets"], "model": config["models"]}
    expected = {"subspaces": {**base, "d": lottery["dims"], "seed": lottery_seeds()}}
    variants = [
        name
        for name, on in (
            ("lottery_ticket", tickets["iterative"]),
            ("lottery_ticket_one_shot", tickets["one_shot"]),
        )
        if on
    ]
    if tickets["enabled"] and variants:
        expected["tickets"] = {
            **base,
            "method": variants,
            "kept_fraction": tickets["kept_fractions"],
            "seed": lottery_seeds(),
        }
    return expected


def lottery_targets():
    """The baseline table, and when the lottery stage is on its tables and figure 7."""
    targets = [f"{RESULTS}/baseline.parquet"] if baseline_enabled() else []
    if not config["lottery"]["enabled"]:
        return targets
    tables = [
        f"{RESULTS}/{name}.parquet"
        for name in (
            "lottery_runs",
            "methods",
            "methods_success",
            "methods_thresholds",
            "methods_reach",
        )
    ]
    stems = expand(
        f"{RESULTS}/figures/fig7_compression_{{dataset}}_{{model}}",
        dataset=config["datasets"],
        model=config["models"],
    )
    figures = [f"{stem}.{ext}" for stem in stems for ext in ("png", "pdf")]
    return targets + tables + figures


if config["lottery"]["enabled"]:
    from dof.lottery import check_lottery_dims

    check_lottery_dims(
        config["lottery"]["dims"],
        config["lottery"]["trajectory_steps"],
        config["lottery"]["record_every"],
        config["lottery"]["svd_rank"],
    )
