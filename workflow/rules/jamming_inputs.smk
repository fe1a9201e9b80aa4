# Input functions and params of the rules in jamming.smk (a stage's functions live beside its rules, in their own
# file, so that `snakemake --lint` finds no functions mixed with rules).
from dof.config import JammingConfig


def jamming_hyperparameters():
    """Training settings of a jamming run: the block without its grid (datasets, P, depths, widths, seeds)."""
    return hyperparameters(JammingConfig, config["jamming"])


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
    return [
        *rules.aggregate_jamming.output,
        *rules.jamming_ensembles.output,
        *rules.jamming_thresholds.output,
        *figures,
    ]
