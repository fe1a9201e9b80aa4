# Lottery stage: lottery subspaces (top singular vectors of the training trajectory) and lottery tickets (magnitude
# pruning with rewinding), compared with random and burn-in subspaces and the full-model baseline (figure 7).
from dof.config import LotteryConfig, TicketConfig


def lottery_seeds():
    """The run seeds of the lottery stage: lottery.seeds, by default the subspace seeds."""
    return config["lottery"].get("seeds") or config["subspace"]["seeds"]


def trajectory_hyperparameters():
    """Trajectory and SVD settings: T, k and the SVD (not the d grid, the seeds or the tickets)."""
    return hyperparameters(LotteryConfig, config["lottery"])


rule trajectory_svd:
    input:
        seed_theta_0,
    output:
        trajectory=f"{RESULTS}/trajectories/{{dataset}}/{{model}}/seed_{{seed}}.pt",
        svd=f"{RESULTS}/trajectories/{{dataset}}/{{model}}/seed_{{seed}}_svd.pt",
    log:
        f"{RESULTS}/logs/trajectory_svd/{{dataset}}/{{model}}/seed_{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/trajectory_svd/{{dataset}}/{{model}}/seed_{{seed}}.tsv"
    conda:
        ENV
    threads: 1
    params:
        data=dataset_options,
        burn_in=burn_in_hyperparameters(),
        trajectory=trajectory_hyperparameters(),
    script:
        "../scripts/trajectory_svd.py"


def chunk_trajectory_svds(wildcards):
    """The trajectory SVDs a chunk of lottery subspace runs projects onto."""
    return expand(
        rules.trajectory_svd.output.svd,
        dataset=wildcards.dataset,
        model=wildcards.model,
        seed=chunk_seeds(wildcards),
    )


rule train_lottery_subspaces:
    input:
        svds=chunk_trajectory_svds,
    output:
        f"{RESULTS}/lottery_subspaces/{{dataset}}/{{model}}/d_{{d}}/seeds_{{seeds}}.parquet",
    log:
        f"{RESULTS}/logs/train_lottery_subspaces/{{dataset}}/{{model}}/d_{{d}}/seeds_{{seeds}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/train_lottery_subspaces/{{dataset}}/{{model}}/d_{{d}}/seeds_{{seeds}}.tsv"
    conda:
        ENV
    threads: 1
    params:
        data=dataset_options,
        subspace=subspace_hyperparameters(),
        trajectory=trajectory_hyperparameters(),
        device=config["device"],
    script:
        "../scripts/train_lottery_subspaces.py"


def chunk_theta_0(wildcards):
    """The burn-in files with theta_0 (t0 = 0) of the seeds of a chunk."""
    return burn_in_files(wildcards.dataset, wildcards.model, 0, chunk_seeds(wildcards))


rule lottery_tickets:
    input:
        checkpoints=chunk_theta_0,
    output:
        f"{RESULTS}/tickets/{{dataset}}/{{model}}/seeds_{{seeds}}.parquet",
    log:
        f"{RESULTS}/logs/lottery_tickets/{{dataset}}/{{model}}/seeds_{{seeds}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/lottery_tickets/{{dataset}}/{{model}}/seeds_{{seeds}}.tsv"
    conda:
        ENV
    threads: 1
    params:
        seeds=chunk_seeds,
        data=dataset_options,
        tickets=hyperparameters(TicketConfig, config["lottery"]["tickets"]),
        subspace=subspace_hyperparameters(),
    script:
        "../scripts/lottery_tickets.py"


def lottery_chunk_files():
    """Every lottery subspace and lottery ticket chunk table of the configured grid."""
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
    return files


def expected_lottery_runs():
    """The grids lottery_runs.parquet must hold exactly: lottery subspaces per d, tickets per kept fraction."""
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
    return expected


rule aggregate_lottery:
    input:
        lottery_chunk_files(),
    output:
        f"{RESULTS}/lottery_runs.parquet",
    log:
        f"{RESULTS}/logs/aggregate_lottery.log",
    conda:
        ENV
    params:
        expected=expected_lottery_runs(),
    script:
        "../scripts/aggregate_lottery.py"


rule compare_methods:
    input:
        runs=rules.aggregate_runs.output[0],
        lottery=rules.aggregate_lottery.output[0],
        baseline=rules.baseline.output[0],
    output:
        methods=f"{RESULTS}/methods.parquet",
        success=f"{RESULTS}/methods_success.parquet",
        thresholds=f"{RESULTS}/methods_thresholds.parquet",
        reach=f"{RESULTS}/methods_reach.parquet",
    log:
        f"{RESULTS}/logs/compare_methods.log",
    conda:
        ENV
    params:
        thresholds=config["thresholds"],
    script:
        "../scripts/compare_methods.py"


rule figure7:
    input:
        methods=rules.compare_methods.output.methods,
        baseline=rules.baseline.output[0],
    output:
        png=report(
            f"{RESULTS}/figures/fig7_compression_{{dataset}}_{{model}}.png",
            caption="../report/fig7_compression.rst",
            category="Figure 7: compression of lottery subspaces and tickets",
            subcategory="{dataset} / {model}",
        ),
        pdf=f"{RESULTS}/figures/fig7_compression_{{dataset}}_{{model}}.pdf",
    log:
        f"{RESULTS}/logs/figure7/{{dataset}}_{{model}}.log",
    conda:
        ENV
    script:
        "../scripts/figure7.py"


def lottery_targets():
    """With lottery.enabled: the method tables and figure 7."""
    if not config["lottery"]["enabled"]:
        return []
    figures = [path for template in rules.figure7.output for path in per_network(template)]
    return [*rules.aggregate_lottery.output, *rules.compare_methods.output, *figures]
