# Burn-in: t0 full-space SGD steps from the seeded initialisation, one job (and file) per (dataset, model, t0, chunk
# of seeds), the chunks of the subspace runs, so each train_subspaces job reads one file and start-up is paid once.


rule burn_in:
    output:
        f"{RESULTS}/burn_in/{{dataset}}/{{model}}/t0_{{t0}}/seeds_{{seeds}}.pt",
    log:
        f"{RESULTS}/logs/burn_in/{{dataset}}/{{model}}/t0_{{t0}}/seeds_{{seeds}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/burn_in/{{dataset}}/{{model}}/t0_{{t0}}/seeds_{{seeds}}.tsv"
    conda:
        ENV
    threads: 1
    params:
        seeds=chunk_seeds,
        data=dataset_options,
        burn_in=settings(CFG.burn_in),
        code=code_of("burn_in.py"),
    script:
        "../scripts/burn_in.py"
