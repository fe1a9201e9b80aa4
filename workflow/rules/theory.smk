# Theory: quadratic wells (figure 5), Hessian spectra of the networks at the burn-in points and at the baseline
# solution theta*, and the quadratic prediction of d*(epsilon, t0). The tables carry the whole config in their
# metadata (from snakemake.config, not params), so growing the subspace grid does not rerun them.


include: "theory_inputs.smk"


rule quadratic_success:
    output:
        f"{RESULTS}/quadratic_success.parquet",
    log:
        f"{RESULTS}/logs/quadratic_success.log",
    benchmark:
        f"{RESULTS}/benchmarks/quadratic_success.tsv"
    conda:
        ENV
    threads: 1
    params:
        quadratic=as_dict(CFG.theory.quadratic),
        code=code_of("quadratic_success.py"),
    script:
        "../scripts/quadratic_success.py"


rule quadratic_widths:
    input:
        rules.quadratic_success.output,
    output:
        f"{RESULTS}/widths.parquet",
    log:
        f"{RESULTS}/logs/quadratic_widths.log",
    benchmark:
        f"{RESULTS}/benchmarks/quadratic_widths.tsv"
    conda:
        ENV
    threads: 1
    params:
        quadratic=as_dict(CFG.theory.quadratic),
        code=code_of("quadratic_widths.py"),
    script:
        "../scripts/quadratic_widths.py"


rule quadratic_figure:
    input:
        success=rules.quadratic_success.output[0],
        widths=rules.quadratic_widths.output[0],
    output:
        png=report(
            f"{RESULTS}/figures/fig5_quadratic.png",
            caption="../report/fig5_quadratic.rst",
            category="Figure 5: quadratic wells",
        ),
        pdf=f"{RESULTS}/figures/fig5_quadratic.pdf",
    log:
        f"{RESULTS}/logs/figures/fig5_quadratic.log",
    conda:
        ENV
    threads: 1
    params:
        quadratic=as_dict(CFG.theory.quadratic),
        code=code_of("quadratic_figure.py"),
    script:
        "../scripts/quadratic_figure.py"


rule hessian_spectrum:
    input:
        point_checkpoint,
    output:
        f"{RESULTS}/hessian/{{dataset}}/{{model}}/seed_{{seed}}/{{point}}.parquet",
    log:
        f"{RESULTS}/logs/hessian_spectrum/{{dataset}}/{{model}}/seed_{{seed}}/{{point}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/hessian_spectrum/{{dataset}}/{{model}}/seed_{{seed}}/{{point}}.tsv"
    conda:
        ENV
    threads: 1
    params:
        data=dataset_options,
        hessian=hessian_settings(),
        code=code_of("hessian_spectrum.py"),
    script:
        "../scripts/hessian_spectrum.py"


rule solution_geometry:
    input:
        baseline=init_baseline,
        starts=seed_burn_in_files,
    output:
        f"{RESULTS}/hessian/{{dataset}}/{{model}}/seed_{{seed}}/geometry.parquet",
    log:
        f"{RESULTS}/logs/solution_geometry/{{dataset}}/{{model}}/seed_{{seed}}.log",
    conda:
        ENV
    threads: 1
    params:
        data=dataset_options,
        hessian=hessian_settings(),
        code=code_of("solution_geometry.py"),
    script:
        "../scripts/solution_geometry.py"


rule hessian_table:
    input:
        spectra=per_network(
            rules.hessian_spectrum.output[0],
            seed=hessian_seeds(),
            point=hessian_points(),
        ),
        geometry=per_network(rules.solution_geometry.output[0], seed=hessian_seeds()),
    output:
        f"{RESULTS}/hessian_spectra.parquet",
    log:
        f"{RESULTS}/logs/hessian_table.log",
    conda:
        ENV
    params:
        code=code_of("hessian_table.py"),
    script:
        "../scripts/hessian_table.py"


rule predict_thresholds:
    input:
        spectra=rules.hessian_table.output[0],
        runs=rules.aggregate_runs.output[0],
        thresholds=rules.thresholds.output[0],
    output:
        f"{RESULTS}/d_star_prediction.parquet",
    log:
        f"{RESULTS}/logs/predict_thresholds.log",
    conda:
        ENV
    params:
        prediction=as_dict(CFG.theory.prediction),
        code=code_of("predict_thresholds.py"),
    script:
        "../scripts/predict_thresholds.py"


rule theory_figures:
    input:
        spectra=rules.hessian_table.output[0],
        prediction=rules.predict_thresholds.output[0],
    output:
        spectra_png=report(
            f"{RESULTS}/figures/hessian_spectra_{{dataset}}_{{model}}.png",
            caption="../report/hessian_spectra.rst",
            category="Hessian spectra",
            subcategory="{dataset} / {model}",
        ),
        spectra_pdf=f"{RESULTS}/figures/hessian_spectra_{{dataset}}_{{model}}.pdf",
        prediction_png=report(
            f"{RESULTS}/figures/d_star_prediction_{{dataset}}_{{model}}.png",
            caption="../report/d_star_prediction.rst",
            category="Predicted vs measured d*",
            subcategory="{dataset} / {model}",
        ),
        prediction_pdf=f"{RESULTS}/figures/d_star_prediction_{{dataset}}_{{model}}.pdf",
    log:
        f"{RESULTS}/logs/figures/theory_{{dataset}}_{{model}}.log",
    conda:
        ENV
    threads: 1
    params:
        code=code_of("theory_figures.py"),
    script:
        "../scripts/theory_figures.py"
