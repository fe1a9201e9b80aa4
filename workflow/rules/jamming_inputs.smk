# Input functions and params of the rules in jamming.smk (a stage's functions live beside its rules, in their own
# file, so that `snakemake --lint` finds no functions mixed with rules).
from dof.config import JammingConfig, JammingSubspaceConfig


def jamming_hyperparameters():
    """Training settings of a jamming run: the block without its grid (datasets, P, depths, widths, seeds) and
    without the subspace block, which the full-space runs do not use."""
    settings = hyperparameters(JammingConfig, config["jamming"])
    return {key: value for key, value in settings.items() if key != "subspace"}


def jamming_subspace_hyperparameters():
    """Training settings of a subspace run on the jamming task: the full-space runs' settings and the subspace
    block without its grid (dims, seeds)."""
    subspace = hyperparameters(JammingSubspaceConfig, config["jamming"]["subspace"])
    return {**jamming_hyperparameters(), "subspace": subspace}


def jamming_subspace_seeds():
    """The seeds of the subspace runs: jamming.subspace.seeds, or jamming.seeds when that is null."""
    jamming = config["jamming"]
    return jamming["subspace"]["seeds"] or jamming["seeds"]


def jamming_subspace_grid(template):
    """A subspace-run path template expanded over the configured datasets, P, dims and seed chunks."""
    jamming = config["jamming"]
    return expand(
        template,
        dataset=jamming["datasets"],
        P=jamming["n_train"],
        d=jamming["subspace"]["dims"],
        seeds=chunk_names(jamming_subspace_seeds(), jamming["seeds_per_job"]),
    )


def expected_jamming_subspace_runs():
    """The grid jamming_subspace_runs.parquet must hold exactly."""
    jamming = config["jamming"]
    return {
        "dataset": jamming["datasets"],
        "n_train": jamming["n_train"],
        "d": jamming["subspace"]["dims"],
        "seed": jamming_subspace_seeds(),
    }


def jamming_data_options(wildcards):
    """Loader options of a jamming dataset (none for the synthetic gaussian set)."""
    if wildcards.dataset == "gaussian":
        return {}
    return dataset_options(wildcards)


def jamming_grid(template):
    """A jamming path template expanded over the whole configured grid."""
    jamming = config["jamming"]
    return expand(
        template,
        dataset=jamming["datasets"],
        depth=jamming["depths"],
        P=jamming["n_train"],
        width=jamming["widths"],
        seeds=chunk_names(jamming["seeds"], jamming["seeds_per_job"]),
    )


def expected_jamming_runs():
    """The grid jamming_runs.parquet must hold exactly."""
    jamming = config["jamming"]
    return {
        "dataset": jamming["datasets"],
        "depth": jamming["depths"],
        "n_train": jamming["n_train"],
        "width": jamming["widths"],
        "seed": jamming["seeds"],
    }


def jamming_targets():
    """With jamming.enabled: the jamming tables and the three figures of every dataset and depth."""
    if not config["jamming"]["enabled"]:
        return []
    jamming = config["jamming"]
    figures = [
        path
        for template in rules.jamming_figures.output
        for path in expand(
            template, dataset=jamming["datasets"], depth=jamming["depths"]
        )
    ]
    if jamming["subspace"]["dims"]:
        figures += expand(rules.jamming_dof_figure.output, dataset=jamming["datasets"])
    return [
        *rules.aggregate_jamming.output,
        *rules.jamming_ensembles.output,
        *rules.jamming_thresholds.output,
        *figures,
    ]
