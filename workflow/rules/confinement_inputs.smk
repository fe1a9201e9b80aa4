# Input functions and params of the rules in confinement.smk (a stage's functions live beside its rules, in their
# own file, so that `snakemake --lint` finds no functions mixed with rules).


def confinement_grid():
    """The confinement tables: (dataset, model, seed) from datasets, models and the first confinement.n_seeds of
    subspace.seeds, one seed to a job."""
    seeds = CFG.subspace.seeds[: CFG.confinement.n_seeds]
    return Grid({"dataset": CFG.dataset_names, "model": CFG.model_names, "seed": seeds})


def confinement_files():
    """Every confinement table: the burn-in points of each seed, and its trajectory when steps are configured."""
    seeds = confinement_grid().columns["seed"]
    files = per_network(rules.gradient_confinement.output[0], seed=seeds)
    if CFG.confinement.trajectory_steps:
        files += per_network(rules.confinement_trajectory.output[0], seed=seeds)
    return files


def confinement_targets():
    """With confinement.enabled: its table and figures."""
    if not CFG.confinement.enabled:
        return []
    figures = [p for t in rules.confinement_figure.output for p in per_network(t)]
    return [*rules.confinement_table.output, *figures]
