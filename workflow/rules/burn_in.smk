# Burn-in: t0 full-space SGD steps from a start (the seeded initialisation, or a checkpoint's weights: `starts`), one
# job (and file) per (dataset, model, start, t0, chunk of seeds), the chunks of the subspace runs, so each
# train_subspaces job reads one file and start-up is paid once. The init start has no path segment; a checkpoint start
# adds `/start_<name>` after the model's folder. Pretrain trains the source networks whose weights a start may take.


include: "burn_in_inputs.smk"


rule burn_in:
    input:
        start_checkpoint,
    output:
        f"{RESULTS}/burn_in/{{dataset}}/{{model}}{{start}}/t0_{{t0}}/seeds_{{seeds}}.pt",
    log:
        f"{RESULTS}/logs/burn_in/{{dataset}}/{{model}}{{start}}/t0_{{t0}}/seeds_{{seeds}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/burn_in/{{dataset}}/{{model}}{{start}}/t0_{{t0}}/seeds_{{seeds}}.tsv"
    conda:
        ENV
    threads: 1
    params:
        seeds=chunk_seeds,
        data=dataset_options,
        model=model_options,
        start=start_option,
        burn_in=settings(CFG.burn_in),
        code=code_of("burn_in.py"),
    script:
        "../scripts/burn_in.py"


rule pretrain:
    output:
        f"{RESULTS}/pretrain/{{pretrain}}.pt",
    log:
        f"{RESULTS}/logs/pretrain/{{pretrain}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/pretrain/{{pretrain}}.tsv"
    conda:
        ENV
    threads: 1
    params:
        source=pretrain_source,
        optimizer=settings(CFG.baseline),
        code=code_of("pretrain.py"),
    script:
        "../scripts/pretrain.py"
