# Input functions and params of the rules in goldilocks.smk (a stage's functions live beside its rules, in their own
# file, so that `snakemake --lint` finds no functions mixed with rules).


def goldilocks_grid():
    """The Goldilocks runs: (dataset, model, init_scale, d, seed) from datasets, models, goldilocks.init_scales,
    goldilocks.dims and goldilocks.seeds, goldilocks.seeds_per_job seeds to a job."""
    goldilocks = CFG.goldilocks
    columns = {
        "dataset": CFG.dataset_names,
        "model": CFG.model_names,
        "init_scale": [float(scale) for scale in goldilocks.init_scales],
        "d": goldilocks.dims,
        "seed": goldilocks.seeds,
    }
    return Grid(columns, goldilocks.seeds_per_job)


def goldilocks_start_files(wildcards):
    """The t0 = 0 burn-in file(s) holding theta_0 of the chunk's seeds (the burn_in rule's checkpoints)."""
    return burn_in_files(wildcards.dataset, wildcards.model, 0, chunk_seeds(wildcards))


def goldilocks_curvature_seeds(wildcards):
    """The chunk's seeds among the first goldilocks.curvature_seeds seeds: their sections are measured."""
    first = CFG.goldilocks.seeds[: CFG.goldilocks.curvature_seeds]
    return [seed for seed in chunk_seeds(wildcards) if seed in first]


def goldilocks_run_files():
    """Every Goldilocks run chunk of the configured grid."""
    return grid_paths(rules.goldilocks_runs.output[0], goldilocks_grid())


def goldilocks_epsilon():
    """The figure's accuracy threshold: goldilocks.epsilon, or the middle value of thresholds.epsilons."""
    if CFG.goldilocks.epsilon is not None:
        return CFG.goldilocks.epsilon
    epsilons = sorted(CFG.thresholds.epsilons)
    return epsilons[len(epsilons) // 2]


def goldilocks_targets():
    """With goldilocks.enabled: its tables and figures."""
    if not CFG.goldilocks.enabled:
        return []
    figures = [p for t in rules.goldilocks_figure.output for p in per_network(t)]
    return [*rules.aggregate_goldilocks.output, *figures]
