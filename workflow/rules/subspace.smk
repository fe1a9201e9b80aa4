# Subspace training: for one (dataset, model, t0, d), a chunk of seeds, each in its own random subspace.


rule train_subspaces:
    input:
        checkpoints=chunk_checkpoints,
    output:
        f"{RESULTS}/runs/{{dataset}}/{{model}}/t0_{{t0}}/d_{{d}}/seeds_{{seeds}}.parquet",
    log:
        f"{RESULTS}/logs/train_subspaces/{{dataset}}/{{model}}/t0_{{t0}}/d_{{d}}/seeds_{{seeds}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/train_subspaces/{{dataset}}/{{model}}/t0_{{t0}}/d_{{d}}/seeds_{{seeds}}.tsv"
    conda:
        ENV
    threads: 1
    params:
        seeds=chunk_seeds,
        data=dataset_options,
        subspace=subspace_hyperparameters(),
        burn_in=burn_in_hyperparameters(),
        device=config["device"],
    script:
        "../scripts/train_subspaces.py"
