# Input functions and params of the rules in baseline.smk (a stage's functions live beside its rules, in
# their own file, so that `snakemake --lint` finds no functions mixed with rules).


def seed_theta_0(wildcards):
    """The burn-in file with theta_0 (t0 = 0) of the seed in the wildcards, where its full-space training starts."""
    return burn_in_files(wildcards.dataset, wildcards.model, 0, [wildcards.seed])


def baseline_optimizer():
    """The full-model baseline's own Adam and budget (the baseline block without enabled and chance_margin, so
    toggling the stage or the margin does not retrain it)."""
    return settings(CFG.baseline)


def baseline_seeds():
    """Seeds of the baseline table: every subspace seed, plus the lottery seeds when that stage runs."""
    seeds = set(CFG.subspace.seeds)
    if CFG.lottery.enabled:
        seeds |= set(CFG.lottery.seeds)
    return sorted(seeds)
