# Jamming stage: fully connected networks of N parameters trained full-batch on a hinge loss over P points with labels
# +-1 until L = 0 or stuck; P(L = 0) over (P, N), N*(P) and c0 = N*/P, ensembles, phase diagram and double descent.


include: "jamming_inputs.smk"


rule train_jamming:
    output:
        runs=f"{RESULTS}/jamming/{{dataset}}/L_{{depth}}/P_{{n_train}}/h_{{width}}/seeds_{{seeds}}.parquet",
        margins=f"{RESULTS}/jamming/{{dataset}}/L_{{depth}}/P_{{n_train}}/h_{{width}}/seeds_{{seeds}}_margins.parquet",
    log:
        f"{RESULTS}/logs/train_jamming/{{dataset}}/L_{{depth}}/P_{{n_train}}/h_{{width}}/seeds_{{seeds}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/train_jamming/{{dataset}}/L_{{depth}}/P_{{n_train}}/h_{{width}}/seeds_{{seeds}}.tsv"
    wildcard_constraints:
        depth=r"\d+",
        n_train=r"\d+",
        width=r"\d+",
    conda:
        ENV
    threads: 1
    params:
        seeds=chunk_seeds,
        data=jamming_data_options,
        jamming=jamming_settings(),
        device=CFG.device,
        code=code_of("train_jamming.py"),
    script:
        "../scripts/train_jamming.py"


rule aggregate_jamming:
    input:
        grid_paths(rules.train_jamming.output.runs, jamming_grid()),
    output:
        f"{RESULTS}/jamming_runs.parquet",
    log:
        f"{RESULTS}/logs/aggregate_jamming.log",
    conda:
        ENV
    params:
        expected=expected_rows(jamming_grid()),
        code=code_of("aggregate_jamming.py"),
    script:
        "../scripts/aggregate_jamming.py"


rule jamming_ensembles:
    input:
        runs=rules.aggregate_jamming.output[0],
        margins=grid_paths(rules.train_jamming.output.margins, jamming_grid()),
    output:
        f"{RESULTS}/jamming_ensembles.parquet",
    log:
        f"{RESULTS}/logs/jamming_ensembles.log",
    conda:
        ENV
    params:
        code=code_of("jamming_ensembles.py"),
    script:
        "../scripts/jamming_ensembles.py"


rule jamming_thresholds:
    input:
        rules.aggregate_jamming.output[0],
    output:
        success=f"{RESULTS}/jamming_success.parquet",
        thresholds=f"{RESULTS}/jamming_thresholds.parquet",
        c0=f"{RESULTS}/jamming_c0.parquet",
        summary=f"{RESULTS}/jamming_summary.parquet",
    log:
        f"{RESULTS}/logs/jamming_thresholds.log",
    conda:
        ENV
    params:
        thresholds=as_dict(CFG.thresholds),
        code=code_of("jamming_thresholds.py"),
    script:
        "../scripts/jamming_thresholds.py"


rule jamming_figures:
    input:
        success=rules.jamming_thresholds.output.success,
        thresholds=rules.jamming_thresholds.output.thresholds,
        c0=rules.jamming_thresholds.output.c0,
        summary=rules.jamming_thresholds.output.summary,
        ensembles=rules.jamming_ensembles.output[0],
    output:
        phase_png=report(
            f"{RESULTS}/figures/jamming_phase_{{dataset}}_L{{depth}}.png",
            caption="../report/jamming_phase.rst",
            category="Jamming transition",
            subcategory="{dataset} / depth {depth}",
        ),
        phase_pdf=f"{RESULTS}/figures/jamming_phase_{{dataset}}_L{{depth}}.pdf",
        descent_png=report(
            f"{RESULTS}/figures/jamming_double_descent_{{dataset}}_L{{depth}}.png",
            caption="../report/jamming_double_descent.rst",
            category="Jamming transition",
            subcategory="{dataset} / depth {depth}",
        ),
        descent_pdf=f"{RESULTS}/figures/jamming_double_descent_{{dataset}}_L{{depth}}.pdf",
        n_delta_png=report(
            f"{RESULTS}/figures/jamming_n_delta_{{dataset}}_L{{depth}}.png",
            caption="../report/jamming_n_delta.rst",
            category="Jamming transition",
            subcategory="{dataset} / depth {depth}",
        ),
        n_delta_pdf=f"{RESULTS}/figures/jamming_n_delta_{{dataset}}_L{{depth}}.pdf",
    log:
        f"{RESULTS}/logs/jamming_figures/{{dataset}}_L{{depth}}.log",
    wildcard_constraints:
        depth=r"\d+",
    conda:
        ENV
    params:
        code=code_of("jamming_figures.py"),
    script:
        "../scripts/jamming_figures.py"


rule train_jamming_subspaces:
    output:
        f"{RESULTS}/jamming_subspace/{{dataset}}/P_{{n_train}}/d_{{d}}/seeds_{{seeds}}.parquet",
    log:
        f"{RESULTS}/logs/train_jamming_subspaces/{{dataset}}/P_{{n_train}}/d_{{d}}/seeds_{{seeds}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/train_jamming_subspaces/{{dataset}}/P_{{n_train}}/d_{{d}}/seeds_{{seeds}}.tsv"
    wildcard_constraints:
        n_train=r"\d+",
    conda:
        ENV
    threads: 1
    params:
        seeds=chunk_seeds,
        data=jamming_data_options,
        jamming=jamming_subspace_settings(),
        device=CFG.device,
        code=code_of("train_jamming_subspaces.py"),
    script:
        "../scripts/train_jamming_subspaces.py"


rule aggregate_jamming_subspaces:
    input:
        grid_paths(rules.train_jamming_subspaces.output[0], jamming_subspace_grid()),
    output:
        f"{RESULTS}/jamming_subspace_runs.parquet",
    log:
        f"{RESULTS}/logs/aggregate_jamming_subspaces.log",
    conda:
        ENV
    params:
        expected=expected_rows(jamming_subspace_grid()),
        code=code_of("aggregate_jamming_subspaces.py"),
    script:
        "../scripts/aggregate_jamming_subspaces.py"


rule jamming_subspace_thresholds:
    input:
        runs=rules.aggregate_jamming_subspaces.output[0],
        thresholds=rules.jamming_thresholds.output.thresholds,
    output:
        success=f"{RESULTS}/jamming_subspace_success.parquet",
        thresholds=f"{RESULTS}/jamming_subspace_thresholds.parquet",
        two_ways=f"{RESULTS}/jamming_dof.parquet",
    log:
        f"{RESULTS}/logs/jamming_subspace_thresholds.log",
    conda:
        ENV
    params:
        thresholds=as_dict(CFG.thresholds),
        code=code_of("jamming_subspace_thresholds.py"),
    script:
        "../scripts/jamming_subspace_thresholds.py"


rule jamming_dof_figure:
    input:
        rules.jamming_subspace_thresholds.output.two_ways,
    output:
        png=report(
            f"{RESULTS}/figures/jamming_dof_{{dataset}}.png",
            caption="../report/jamming_dof.rst",
            category="Jamming transition",
            subcategory="{dataset}: degrees of freedom two ways",
        ),
        pdf=f"{RESULTS}/figures/jamming_dof_{{dataset}}.pdf",
    log:
        f"{RESULTS}/logs/jamming_dof_figure/{{dataset}}.log",
    conda:
        ENV
    params:
        code=code_of("jamming_dof_figure.py"),
    script:
        "../scripts/jamming_dof_figure.py"
