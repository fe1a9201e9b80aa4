# Local geometry of seed 001 (Fort & Ganguli): the Goldilocks zone (random subspace runs from r theta_0, P_s against
# the init scale r beside the curvature of the random section A^T H A) and gradient confinement (the gradient's share
# of the top-k Hessian eigenspace at the burn-in checkpoints and along a finer SGD trajectory).


include: "curvature_inputs.smk"


rule goldilocks_runs:
    input:
        checkpoints=goldilocks_start_files,
    output:
        f"{RESULTS}/goldilocks/runs/{{dataset}}/{{model}}/r_{{r}}/d_{{d}}/seeds_{{seeds}}.parquet",
    log:
        f"{RESULTS}/logs/goldilocks_runs/{{dataset}}/{{model}}/r_{{r}}/d_{{d}}/seeds_{{seeds}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/goldilocks_runs/{{dataset}}/{{model}}/r_{{r}}/d_{{d}}/seeds_{{seeds}}.tsv"
    wildcard_constraints:
        r=r"\d+(\.\d+)?([eE][-+]?\d+)?",
    conda:
        ENV
    threads: 1
    params:
        seeds=chunk_seeds,
        curvature_seeds=goldilocks_curvature_seeds,
        data=dataset_options,
        subspace=subspace_hyperparameters(),
        burn_in=burn_in_hyperparameters(),
        goldilocks=goldilocks_hyperparameters(),
        device=config["device"],
        code=code_of("goldilocks_runs.py"),
    script:
        "../scripts/goldilocks_runs.py"


rule aggregate_goldilocks:
    input:
        goldilocks_grid(rules.goldilocks_runs.output[0]),
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
        expected=expected_goldilocks_runs(),
        thresholds=config["thresholds"],
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
        metric=config["thresholds"]["metrics"][0],
        code=code_of("goldilocks_figure.py"),
    script:
        "../scripts/goldilocks_figure.py"


rule gradient_confinement:
    input:
        seed_burn_in_files,
    output:
        f"{RESULTS}/confinement/{{dataset}}/{{model}}/seed_{{seed}}/burn_in.parquet",
    log:
        f"{RESULTS}/logs/gradient_confinement/{{dataset}}/{{model}}/seed_{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/gradient_confinement/{{dataset}}/{{model}}/seed_{{seed}}.tsv"
    conda:
        ENV
    threads: 1
    params:
        data=dataset_options,
        confinement=confinement_hyperparameters(),
        device=config["device"],
        code=code_of("gradient_confinement.py"),
    script:
        "../scripts/gradient_confinement.py"


rule confinement_trajectory:
    output:
        f"{RESULTS}/confinement/{{dataset}}/{{model}}/seed_{{seed}}/trajectory.parquet",
    log:
        f"{RESULTS}/logs/confinement_trajectory/{{dataset}}/{{model}}/seed_{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/confinement_trajectory/{{dataset}}/{{model}}/seed_{{seed}}.tsv"
    conda:
        ENV
    threads: 1
    params:
        data=dataset_options,
        burn_in=burn_in_hyperparameters(),
        confinement=confinement_hyperparameters(),
        steps=config["confinement"]["trajectory_steps"],
        device=config["device"],
        code=code_of("confinement_trajectory.py"),
    script:
        "../scripts/confinement_trajectory.py"


rule confinement_table:
    input:
        confinement_files(),
    output:
        f"{RESULTS}/confinement.parquet",
    log:
        f"{RESULTS}/logs/confinement_table.log",
    conda:
        ENV
    params:
        code=code_of("confinement_table.py"),
    script:
        "../scripts/confinement_table.py"


rule confinement_figure:
    input:
        rules.confinement_table.output[0],
    output:
        png=report(
            f"{RESULTS}/figures/confinement_{{dataset}}_{{model}}.png",
            caption="../report/confinement.rst",
            category="Local geometry",
            subcategory="{dataset} / {model}",
        ),
        pdf=f"{RESULTS}/figures/confinement_{{dataset}}_{{model}}.pdf",
    log:
        f"{RESULTS}/logs/confinement_figure/{{dataset}}_{{model}}.log",
    conda:
        ENV
    params:
        code=code_of("confinement_figure.py"),
    script:
        "../scripts/confinement_figure.py"
