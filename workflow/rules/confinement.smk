# The confinement stage (Gur-Ari et al.; Fort & Ganguli, seed 001): the gradient's share of the top-k Hessian
# eigenspace at the burn-in checkpoints and along a finer SGD trajectory.


include: "confinement_inputs.smk"


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
        confinement=settings(CFG.confinement),
        device=CFG.device,
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
        model=model_options,
        burn_in=settings(CFG.burn_in),
        confinement=settings(CFG.confinement),
        steps=list(CFG.confinement.trajectory_steps),
        device=CFG.device,
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
