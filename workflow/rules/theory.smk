# Theory: quadratic wells (figure 5), Hessian spectra of the networks, the quadratic prediction of d*(epsilon, t0).
# The quadratic jobs store the full config in their tables' metadata from snakemake.config, not from params, so
# growing the subspace grid does not rerun them.


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
        quadratic=config["theory"]["quadratic"],
    script:
        "../scripts/quadratic_success.py"


rule quadratic_widths:
    input:
        f"{RESULTS}/quadratic_success.parquet",
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
        quadratic=config["theory"]["quadratic"],
    script:
        "../scripts/quadratic_widths.py"


rule quadratic_figure:
    input:
        success=f"{RESULTS}/quadratic_success.parquet",
        widths=f"{RESULTS}/widths.parquet",
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
        quadratic=config["theory"]["quadratic"],
    script:
        "../scripts/quadratic_figure.py"


rule train_full:
    input:
        seed_start_checkpoint,
    output:
        solution_path("{dataset}", "{model}", "{seed}"),
    log:
        f"{RESULTS}/logs/train_full/{{dataset}}/{{model}}/seed_{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/train_full/{{dataset}}/{{model}}/seed_{{seed}}.tsv"
    conda:
        ENV
    threads: 1
    params:
        data=dataset_options,
        optimizer=solution_hyperparameters(),
    script:
        "../scripts/train_full.py"


rule hessian_spectrum:
    input:
        point_checkpoint,
    output:
        hessian_spectrum_path("{dataset}", "{model}", "{seed}", "{point}"),
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
    script:
        "../scripts/hessian_spectrum.py"


rule solution_geometry:
    input:
        solution=solution_path("{dataset}", "{model}", "{seed}"),
        starts=seed_burn_in_checkpoints,
    output:
        solution_geometry_path("{dataset}", "{model}", "{seed}"),
    log:
        f"{RESULTS}/logs/solution_geometry/{{dataset}}/{{model}}/seed_{{seed}}.log",
    conda:
        ENV
    threads: 1
    params:
        data=dataset_options,
        hessian=hessian_settings(),
    script:
        "../scripts/solution_geometry.py"


rule hessian_table:
    input:
        spectra=hessian_spectrum_paths(),
        geometry=solution_geometry_paths(),
    output:
        f"{RESULTS}/hessian_spectra.parquet",
    log:
        f"{RESULTS}/logs/hessian_table.log",
    conda:
        ENV
    params:
        config=config,
    script:
        "../scripts/hessian_table.py"


rule predict_thresholds:
    input:
        spectra=f"{RESULTS}/hessian_spectra.parquet",
        runs=f"{RESULTS}/runs.parquet",
        thresholds=f"{RESULTS}/thresholds.parquet",
    output:
        f"{RESULTS}/d_star_prediction.parquet",
    log:
        f"{RESULTS}/logs/predict_thresholds.log",
    conda:
        ENV
    params:
        prediction=config["theory"]["prediction"],
        config=config,
    script:
        "../scripts/predict_thresholds.py"


rule theory_figures:
    input:
        spectra=f"{RESULTS}/hessian_spectra.parquet",
        prediction=f"{RESULTS}/d_star_prediction.parquet",
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
    script:
        "../scripts/theory_figures.py"
