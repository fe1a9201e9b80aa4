# The Goldilocks stage (Fort & Scherlis; Fort & Ganguli, seed 001): random subspace runs from r theta_0 (r =
# init_scale), P_s against r beside the curvature of the random section A^T H A.


include: "goldilocks_inputs.smk"


rule goldilocks_runs:
    input:
        checkpoints=goldilocks_start_files,
    output:
        f"{RESULTS}/goldilocks/runs/{{dataset}}/{{model}}/r_{{init_scale}}/d_{{d}}/seeds_{{seeds}}.parquet",
    log:
        f"{RESULTS}/logs/goldilocks_runs/{{dataset}}/{{model}}/r_{{init_scale}}/d_{{d}}/seeds_{{seeds}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/goldilocks_runs/{{dataset}}/{{model}}/r_{{init_scale}}/d_{{d}}/seeds_{{seeds}}.tsv"
    wildcard_constraints:
        init_scale=r"\d+(\.\d+)?([eE][-+]?\d+)?",
    conda:
        ENV
    threads: 1
    params:
        seeds=chunk_seeds,
        curvature_seeds=goldilocks_curvature_seeds,
        data=dataset_options,
        subspace=settings(CFG.subspace),
        burn_in=settings(CFG.burn_in),
        goldilocks=settings(CFG.goldilocks),
        device=CFG.device,
        code=code_of("goldilocks_runs.py"),
    script:
        "../scripts/goldilocks_runs.py"


rule aggregate_goldilocks:
    input:
        goldilocks_run_files(),
    output:
        runs=f"{RESULTS}/goldilocks_runs.parquet",
        success=f"{RESULTS}/goldilocks_success.parquet",
        curvature=f"{RESULTS}/goldilocks_curvature.parquet",
        peaks=f"{RESULTS}/goldilocks_peaks.parquet",
    log:
        f"{RESULTS}/logs/aggregate_goldilocks.log",
    conda:
        ENV
    params:
        expected=expected_rows(goldilocks_grid()),
        thresholds=as_dict(CFG.thresholds),
        epsilon=goldilocks_epsilon(),
        code=code_of("aggregate_goldilocks.py"),
    script:
        "../scripts/aggregate_goldilocks.py"


rule goldilocks_figure:
    input:
        success=rules.aggregate_goldilocks.output.success,
        curvature=rules.aggregate_goldilocks.output.curvature,
    output:
        png=report(
            f"{RESULTS}/figures/goldilocks_{{dataset}}_{{model}}.png",
            caption="../report/goldilocks.rst",
            category="Local geometry",
            subcategory="{dataset} / {model}",
        ),
        pdf=f"{RESULTS}/figures/goldilocks_{{dataset}}_{{model}}.pdf",
    log:
        f"{RESULTS}/logs/goldilocks_figure/{{dataset}}_{{model}}.log",
    conda:
        ENV
    params:
        epsilon=goldilocks_epsilon(),
        metric=CFG.thresholds.metrics[0],
        code=code_of("goldilocks_figure.py"),
    script:
        "../scripts/goldilocks_figure.py"
