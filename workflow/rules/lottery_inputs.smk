# Input functions and params of the rules in lottery.smk (a stage's functions live beside its rules, in
# their own file, so that `snakemake --lint` finds no functions mixed with rules).


def lottery_grid(seeds_per_job, **columns):
    """A lottery method's jobs: (dataset, model, [columns], seed) from datasets, models and lottery.seeds."""
    base = {"dataset": CFG.dataset_names, "model": CFG.model_names}
    return Grid({**base, **columns, "seed": CFG.lottery.seeds}, seeds_per_job)


def lottery_subspace_grid():
    """The lottery subspace runs: (dataset, model, d, seed), d from lottery.dims, lottery.seeds_per_job a job."""
    return lottery_grid(CFG.lottery.seeds_per_job, d=CFG.lottery.dims)


def chunk_trajectory_svds(wildcards):
    """The trajectory SVDs a chunk of lottery subspace runs projects onto."""
    return expand(
        rules.trajectory_svd.output.svd,
        dataset=wildcards.dataset,
        model=wildcards.model,
        seed=chunk_seeds(wildcards),
    )


def chunk_theta_0(wildcards):
    """The burn-in files with theta_0 (t0 = 0) of the seeds of a chunk."""
    return burn_in_files(wildcards.dataset, wildcards.model, 0, chunk_seeds(wildcards))


def supermask_fractions():
    """The kept fractions of the supermasks: lottery.supermask.kept_fractions, by default the tickets' ones."""
    supermask = CFG.lottery.supermask
    if supermask.kept_fractions is None:
        return list(CFG.lottery.tickets.kept_fractions)
    return list(supermask.kept_fractions)


def supermask_settings():
    """Supermask settings a job's numbers depend on, with the kept fractions resolved."""
    return {**settings(CFG.lottery.supermask), "kept_fractions": supermask_fractions()}


def chunk_supermask_starts(wildcards):
    """The burn-in files with the frozen weights (t0 = lottery.supermask.start_t0) of the seeds of a chunk."""
    t0 = CFG.lottery.supermask.start_t0
    return burn_in_files(wildcards.dataset, wildcards.model, t0, chunk_seeds(wildcards))


def lottery_chunk_files():
    """Every lottery subspace, lottery ticket and supermask chunk table of the configured grid."""
    lottery = CFG.lottery
    files = grid_paths(rules.train_lottery_subspaces.output[0], lottery_subspace_grid())
    if lottery.tickets.enabled:
        grid = lottery_grid(lottery.tickets.seeds_per_job)
        files += grid_paths(rules.lottery_tickets.output[0], grid)
    if lottery.supermask.enabled:
        grid = lottery_grid(lottery.supermask.seeds_per_job)
        files += grid_paths(rules.supermasks.output[0], grid)
    return files


def expected_lottery_runs():
    """The grids lottery_runs.parquet must hold exactly: lottery subspaces per d, tickets and supermasks per kept
    fraction."""
    tickets = CFG.lottery.tickets
    expected = {"subspaces": expected_rows(lottery_subspace_grid())}
    variants = [
        name
        for name, on in (
            ("lottery_ticket", tickets.iterative),
            ("lottery_ticket_one_shot", tickets.one_shot),
        )
        if on
    ]
    if tickets.enabled and variants:
        expected["tickets"] = expected_rows(
            lottery_grid(1, method=variants, kept_fraction=list(tickets.kept_fractions))
        )
    if CFG.lottery.supermask.enabled:
        expected["supermasks"] = expected_rows(
            lottery_grid(1, method=["supermask"], kept_fraction=supermask_fractions())
        )
    return expected


def lottery_targets():
    """With lottery.enabled: the method tables and figure 7."""
    if not CFG.lottery.enabled:
        return []
    figures = [
        path for template in rules.figure7.output for path in per_network(template)
    ]
    return [*rules.aggregate_lottery.output, *rules.compare_methods.output, *figures]
