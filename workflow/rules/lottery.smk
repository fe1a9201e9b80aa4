# Lottery stage: the full-model baseline, lottery subspaces (top singular vectors of the training trajectory) and
# lottery tickets (magnitude pruning with rewinding), compared with random and burn-in subspaces (figure 7).


rule baseline:
    input:
        baseline_solutions(),
    output:
        f"{RESULTS}/baseline.parquet",
    log:
        f"{RESULTS}/logs/baseline.log",
    conda:
        ENV
    params:
        config=config,
    script:
        "../scripts/baseline.py"


rule trajectory_svd:
    input:
        seed_start_checkpoint,
    output:
        trajectory=trajectory_path("{dataset}", "{model}", "{seed}"),
        svd=trajectory_svd_path("{dataset}", "{model}", "{seed}"),
    log:
        f"{RESULTS}/logs/trajectory_svd/{{dataset}}/{{model}}/seed_{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/trajectory_svd/{{dataset}}/{{model}}/seed_{{seed}}.tsv"
    conda:
        ENV
    threads: 1
    params:
        data=dataset_options,
        trajectory=trajectory_hyperparameters(),
    script:
        "../scripts/trajectory_svd.py"


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


rule lottery_tickets:
    input:
        checkpoints=chunk_start_checkpoints,
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
        tickets=ticket_hyperparameters(),
        subspace=subspace_hyperparameters(),
    script:
        "../scripts/lottery_tickets.py"


rule aggregate_lottery:
    input:
        lottery_chunk_paths(),
    output:
        f"{RESULTS}/lottery_runs.parquet",
    log:
        f"{RESULTS}/logs/aggregate_lottery.log",
    conda:
        ENV
    params:
        expected=expected_lottery_runs(),
        config=config,
    script:
        "../scripts/aggregate_lottery.py"


rule compare_methods:
    input:
        runs=f"{RESULTS}/runs.parquet",
        lottery=f"{RESULTS}/lottery_runs.parquet",
        baseline=f"{RESULTS}/baseline.parquet",
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
        config=config,
    script:
        "../scripts/compare_methods.py"


rule figure7:
    input:
        methods=f"{RESULTS}/methods.parquet",
        baseline=f"{RESULTS}/baseline.parquet",
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
