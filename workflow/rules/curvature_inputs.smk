# Input functions and params of the rules in curvature.smk (a stage's functions live beside its rules, in their own
# file, so that `snakemake --lint` finds no functions mixed with rules).
from dof.config import ConfinementConfig, GoldilocksConfig


def goldilocks_seeds():
    """The seeds of the Goldilocks runs: goldilocks.seeds, or the subspace seeds."""
    seeds = config["goldilocks"]["seeds"]
    return list(config["subspace"]["seeds"] if seeds is None else seeds)


def goldilocks_chunks():
    """The Goldilocks seeds in groups of goldilocks.seeds_per_job."""
    return chunk_names(goldilocks_seeds(), config["goldilocks"]["seeds_per_job"])


def goldilocks_hyperparameters():
    """Curvature settings without the grid (scales, dims, seeds, the figure's epsilon)."""
    return hyperparameters(GoldilocksConfig, config["goldilocks"])


def goldilocks_start_files(wildcards):
    """The t0 = 0 burn-in file(s) holding theta_0 of the chunk's seeds (the burn_in rule's checkpoints)."""
    return burn_in_files(wildcards.dataset, wildcards.model, 0, chunk_seeds(wildcards))


def goldilocks_curvature_seeds(wildcards):
    """The chunk's seeds among the first goldilocks.curvature_seeds seeds: their sections are measured."""
    first = goldilocks_seeds()[: config["goldilocks"]["curvature_seeds"]]
    return [seed for seed in chunk_seeds(wildcards) if seed in first]


def goldilocks_grid(template):
    """A Goldilocks run path template expanded over every dataset, model, init scale, d and seed chunk."""
    goldilocks = config["goldilocks"]
    return per_network(
        template,
        r=goldilocks["init_scales"],
        d=goldilocks["dims"],
        seeds=goldilocks_chunks(),
    )


def expected_goldilocks_runs():
    """The (dataset, model, init_scale, d, seed) grid that goldilocks_runs.parquet must hold exactly."""
    return {
        "dataset": config["datasets"],
        "model": config["models"],
        "init_scale": [float(r) for r in config["goldilocks"]["init_scales"]],
        "d": config["goldilocks"]["dims"],
        "seed": goldilocks_seeds(),
    }


def goldilocks_epsilon():
    """The figure's accuracy threshold: goldilocks.epsilon, or the middle value of thresholds.epsilons."""
    epsilon = config["goldilocks"]["epsilon"]
    if epsilon is not None:
        return epsilon
    epsilons = sorted(config["thresholds"]["epsilons"])
    return epsilons[len(epsilons) // 2]


def confinement_seeds():
    """The seeds whose burn-in checkpoints (and trajectory) the confinement stage measures."""
    return config["subspace"]["seeds"][: config["confinement"]["n_seeds"]]


def confinement_hyperparameters():
    """Gradient and Lanczos settings without the grid (n_seeds, trajectory steps)."""
    return hyperparameters(ConfinementConfig, config["confinement"])


def confinement_files():
    """Every confinement table: the burn-in points of each seed, and its trajectory when steps are configured."""
    files = per_network(rules.gradient_confinement.output[0], seed=confinement_seeds())
    if config["confinement"]["trajectory_steps"]:
        files += per_network(
            rules.confinement_trajectory.output[0], seed=confinement_seeds()
        )
    return files


def curvature_targets():
    """With goldilocks.enabled / confinement.enabled: their tables and figures."""
    targets = []
    if config["goldilocks"]["enabled"]:
        targets += rules.aggregate_goldilocks.output
        targets += [p for t in rules.goldilocks_figure.output for p in per_network(t)]
    if config["confinement"]["enabled"]:
        targets += rules.confinement_table.output
        targets += [p for t in rules.confinement_figure.output for p in per_network(t)]
    return targets
