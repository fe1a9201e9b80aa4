# Input functions and params of the rules in jamming.smk (a stage's functions live beside its rules, in their own
# file, so that `snakemake --lint` finds no functions mixed with rules).


def jamming_grid():
    """The jamming runs: (dataset, depth, n_train, width, seed) from jamming.datasets, .depths, .n_train, .widths
    and .seeds, jamming.seeds_per_job seeds to a job."""
    jamming = CFG.jamming
    columns = {
        "dataset": jamming.datasets,
        "depth": jamming.depths,
        "n_train": jamming.n_train,
        "width": jamming.widths,
        "seed": jamming.seeds,
    }
    return Grid(columns, jamming.seeds_per_job)


def jamming_subspace_grid():
    """The subspace runs on the jamming task: (dataset, n_train, d, seed) from jamming.datasets, jamming.n_train,
    jamming.subspace.dims and jamming.subspace.seeds, jamming.seeds_per_job seeds to a job.
    """
    jamming = CFG.jamming
    columns = {
        "dataset": jamming.datasets,
        "n_train": jamming.n_train,
        "d": jamming.subspace.dims,
        "seed": jamming.subspace.seeds,
    }
    return Grid(columns, jamming.seeds_per_job)


def jamming_settings():
    """Training settings of a jamming run: the block without its grid (datasets, n_train, depths, widths, seeds)
    and without the subspace block, which the full-space runs do not use."""
    return {
        key: value for key, value in settings(CFG.jamming).items() if key != "subspace"
    }


def jamming_subspace_settings():
    """Training settings of a subspace run on the jamming task: the full-space runs' settings and the subspace
    block without its grid (dims, seeds)."""
    return {**jamming_settings(), "subspace": settings(CFG.jamming.subspace)}


def jamming_data_options(wildcards):
    """Loader options of a jamming dataset (none for the synthetic gaussian set)."""
    if wildcards.dataset == "gaussian":
        return {}
    return dataset_options(wildcards)


def jamming_targets():
    """With jamming.enabled: the jamming tables and the three figures of every dataset and depth."""
    if not CFG.jamming.enabled:
        return []
    figures = [
        path
        for template in rules.jamming_figures.output
        for path in grid_paths(template, jamming_grid())
    ]
    if CFG.jamming.subspace.dims:
        figures += [
            path
            for template in rules.jamming_dof_figure.output
            for path in grid_paths(template, jamming_subspace_grid())
        ]
    return [
        *rules.aggregate_jamming.output,
        *rules.jamming_ensembles.output,
        *rules.jamming_thresholds.output,
        *figures,
    ]
