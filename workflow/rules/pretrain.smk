# Burn-in: t0 full-space SGD steps from the seeded initialisation, one checkpoint per (dataset, model, t0, seed).


rule pretrain:
    output:
        checkpoint_path("{dataset}", "{model}", "{t0}", "{seed}"),
    log:
        f"{RESULTS}/logs/pretrain/{{dataset}}/{{model}}/t0_{{t0}}/seed_{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/pretrain/{{dataset}}/{{model}}/t0_{{t0}}/seed_{{seed}}.tsv"
    conda:
        ENV
    threads: 1
    params:
        data=dataset_options,
        burn_in=burn_in_hyperparameters(),
    script:
        "../scripts/pretrain.py"
