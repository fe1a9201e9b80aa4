# Input functions and params of the rules in baseline.smk (a stage's functions live beside its rules, in
# their own file, so that `snakemake --lint` finds no functions mixed with rules).


def seed_theta_0(wildcards):
    """The burn-in file with theta_0 (t0 = 0) of the seed in the wildcards: the seeded initialisation, where the
    lottery trajectory starts."""
    return burn_in_files(wildcards.dataset, wildcards.model, 0, [wildcards.seed])


def start_theta_0(wildcards):
    """The burn-in file with theta_0 (t0 = 0) of the seed and start in the wildcards, where the baseline's full-space
    training starts: the seeded initialisation, or a checkpoint start's weights (full fine-tuning from it).
    """
    return burn_in_files(
        wildcards.dataset, wildcards.model, 0, [wildcards.seed], start_of(wildcards)
    )


def init_baseline(wildcards):
    """The baseline checkpoint from init (the seeded initialisation) of the dataset, model and seed in the
    wildcards: the solution theta* of the theory stage (one path: a named input, read as one file).
    """
    return expand(
        rules.train_baseline.output[0],
        dataset=wildcards.dataset,
        model=wildcards.model,
        start=start_segment(INIT),
        seed=wildcards.seed,
    )[0]


def baseline_optimizer():
    """The full-model baseline's own Adam and budget (the baseline block without enabled and chance_margin, so
    toggling the stage or the margin does not retrain it)."""
    return settings(CFG.baseline)


def baseline_seeds(start=INIT):
    """Seeds of the baseline table from `start`: every subspace seed, plus the lottery seeds from init when that stage
    runs."""
    seeds = set(CFG.subspace.seeds)
    if CFG.lottery.enabled and start == INIT:
        seeds |= set(CFG.lottery.seeds)
    return sorted(seeds)


def baseline_files():
    """The trained baselines of the table: every dataset, model, start of the model, and seed."""
    return [
        path
        for dataset in CFG.dataset_names
        for model in CFG.model_names
        for start in CFG.starts_of(model)
        for path in expand(
            rules.train_baseline.output[0],
            dataset=dataset,
            model=model,
            start=start_segment(start),
            seed=baseline_seeds(start),
        )
    ]
