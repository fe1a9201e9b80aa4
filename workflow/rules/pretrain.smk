# Burn-in: t0 full-space SGD steps from the seeded initialisation, one checkpoint per (dataset, model, t0, seed).


rule pretrain:
    output:
        checkpoint_path("{dataset}", "{model}", "{t0}", "{seed}"),
    params:
        data=dataset_options,
        burn_in=burn_in_hyperparameters(),
    log:
        f"{RESULTS}/logs/pretrain/{{dataset}}/{{model}}/t0_{{t0}}/seed_{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/pretrain/{{dataset}}/{{model}}/t0_{{t0}}/seed_{{seed}}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        ENV
    script:
        "../scripts/pretrain.py"
