# Input functions and params of the rules in lottery.smk (a stage's functions live beside its rules, in
# their own file, so that `snakemake --lint` finds no functions mixed with rules).
from dof.config import LotteryConfig, SupermaskConfig, TicketConfig


def lottery_seeds():
    """The run seeds of the lottery stage: lottery.seeds, by default the subspace seeds."""
    return config["lottery"].get("seeds") or config["subspace"]["seeds"]


def trajectory_hyperparameters():
    """Trajectory and SVD settings: T, k and the SVD (not the d grid, the seeds or the tickets)."""
    return hyperparameters(LotteryConfig, config["lottery"])


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
    lottery = config["lottery"]
    return (
        lottery["supermask"].get("kept_fractions")
        or lottery["tickets"]["kept_fractions"]
    )


def supermask_hyperparameters():
    """Supermask settings a job's numbers depend on, with the kept fractions resolved."""
    block = hyperparameters(SupermaskConfig, config["lottery"]["supermask"])
    return {**block, "kept_fractions": supermask_fractions()}


def chunk_supermask_starts(wildcards):
    """The burn-in files with the frozen weights (t0 = lottery.supermask.start_t0) of the seeds of a chunk."""
    t0 = config["lottery"]["supermask"]["start_t0"]
    return burn_in_files(wildcards.dataset, wildcards.model, t0, chunk_seeds(wildcards))


def lottery_chunk_files():
    """Every lottery subspace, lottery ticket and supermask chunk table of the configured grid."""
    lottery = config["lottery"]
    files = per_network(
        rules.train_lottery_subspaces.output[0],
        d=lottery["dims"],
        seeds=chunk_names(lottery_seeds(), lottery["seeds_per_job"]),
    )
    if lottery["tickets"]["enabled"]:
        files += per_network(
            rules.lottery_tickets.output[0],
            seeds=chunk_names(lottery_seeds(), lottery["tickets"]["seeds_per_job"]),
        )
    if lottery["supermask"]["enabled"]:
        files += per_network(
            rules.supermasks.output[0],
            seeds=chunk_names(lottery_seeds(), lottery["supermask"]["seeds_per_job"]),
        )
    return files


def expected_lottery_runs():
    """The grids lottery_runs.parquet must hold exactly: lottery subspaces per d, tickets and supermasks per kept
    fraction."""
    lottery, tickets = config["lottery"], config["lottery"]["tickets"]
    base = {"dataset": config["datasets"], "model": config["models"]}
    expected = {"subspaces": {**base, "d": lottery["dims"], "seed": lottery_seeds()}}
    variants = [
        name
        for name, on in (
            ("lottery_ticket", tickets["iterative"]),
            ("lottery_ticket_one_shot", tickets["one_shot"]),
        )
        if on
    ]
    if tickets["enabled"] and variants:
        expected["tickets"] = {
            **base,
            "method": variants,
            "kept_fraction": tickets["kept_fractions"],
            "seed": lottery_seeds(),
        }
    if config["lottery"]["supermask"]["enabled"]:
        expected["supermasks"] = {
            **base,
            "method": ["supermask"],
            "kept_fraction": supermask_fractions(),
            "seed": lottery_seeds(),
        }
    return expected


def lottery_targets():
    """With lottery.enabled: the method tables and figure 7."""
    if not config["lottery"]["enabled"]:
        return []
    figures = [
        path for template in rules.figure7.output for path in per_network(template)
    ]
    return [*rules.aggregate_lottery.output, *rules.compare_methods.output, *figures]
