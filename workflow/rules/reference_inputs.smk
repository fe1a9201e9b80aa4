# Input functions and params of the rules in reference.smk (a stage's functions live beside its rules, in
# their own file, so that `snakemake --lint` finds no functions mixed with rules).
from dof.config import BaselineConfig


def seed_theta_0(wildcards):
    """The burn-in file with theta_0 (t0 = 0) of the seed in the wildcards, where its full-space training starts."""
    return burn_in_files(wildcards.dataset, wildcards.model, 0, [wildcards.seed])


def baseline_optimizer():
    """The full-model baseline's own Adam and budget (the baseline block without enabled and chance_margin, so
    toggling the stage or the margin does not retrain it)."""
    return hyperparameters(BaselineConfig, config["baseline"])


def baseline_seeds():
    """Seeds of the baseline table: every subspace seed, plus the lottery seeds when that stage runs."""
    seeds = set(config["subspace"]["seeds"])
    if config["lottery"]["enabled"]:
        seeds |= set(config["lottery"].get("seeds") or [])
    return sorted(seeds)
