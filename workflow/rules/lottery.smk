# Lottery stage: lottery subspaces (top singular vectors of the training trajectory), lottery tickets (magnitude
# pruning with rewinding) and supermasks (masks learned over frozen weights), compared with random and burn-in subspaces and the full-model baseline (figure 7).


include: "lottery_inputs.smk"


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
        burn_in=settings(CFG.burn_in),
        trajectory=settings(CFG.lottery),
        code=code_of("trajectory_svd.py"),
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
        subspace=settings(CFG.subspace),
        trajectory=settings(CFG.lottery),
        device=CFG.device,
        code=code_of("train_lottery_subspaces.py"),
    script:
        "../scripts/train_lottery_subspaces.py"


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
        tickets=settings(CFG.lottery.tickets),
        subspace=settings(CFG.subspace),
        code=code_of("lottery_tickets.py"),
    script:
        "../scripts/lottery_tickets.py"


rule supermasks:
    input:
        checkpoints=chunk_supermask_starts,
    output:
        f"{RESULTS}/supermasks/{{dataset}}/{{model}}/seeds_{{seeds}}.parquet",
    log:
        f"{RESULTS}/logs/supermasks/{{dataset}}/{{model}}/seeds_{{seeds}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/supermasks/{{dataset}}/{{model}}/seeds_{{seeds}}.tsv"
    conda:
        ENV
    threads: 1
    params:
        seeds=chunk_seeds,
        data=dataset_options,
        supermask=supermask_settings(),
        subspace=settings(CFG.subspace),
        device=CFG.device,
        code=code_of("supermasks.py"),
    script:
        "../scripts/supermasks.py"


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
        code=code_of("aggregate_lottery.py"),
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
        thresholds=as_dict(CFG.thresholds),
        code=code_of("compare_methods.py"),
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
    params:
        code=code_of("figure7.py"),
    script:
        "../scripts/figure7.py"
