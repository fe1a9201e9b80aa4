# Subspace runs: for one (dataset, model, start, t0, d), a chunk of seeds, each in its own random subspace; refinement
# rounds (checkpoints) that add d where P_s crosses a level; then all chunks into runs.parquet.


include: "subspace_inputs.smk"


rule train_subspaces:
    input:
        checkpoints=chunk_burn_in_files,
    output:
        f"{RESULTS}/runs/{{dataset}}/{{model}}{{start}}/t0_{{t0}}/d_{{d}}/seeds_{{seeds}}.parquet",
    log:
        f"{RESULTS}/logs/train_subspaces/{{dataset}}/{{model}}{{start}}/t0_{{t0}}/d_{{d}}/seeds_{{seeds}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/train_subspaces/{{dataset}}/{{model}}{{start}}/t0_{{t0}}/d_{{d}}/seeds_{{seeds}}.tsv"
    conda:
        ENV
    threads: 1
    params:
        seeds=chunk_seeds,
        data=dataset_options,
        subspace=settings(CFG.subspace),
        burn_in=settings(CFG.burn_in),
        device=CFG.device,
        code=code_of("train_subspaces.py"),
    script:
        "../scripts/train_subspaces.py"


checkpoint refine_grid:
    input:
        runs_before_round,
    output:
        f"{RESULTS}/refine/round_{{round}}.parquet",
    log:
        f"{RESULTS}/logs/refine_grid/round_{{round}}.log",
    wildcard_constraints:
        round=r"[1-9]\d*",
    conda:
        ENV
    params:
        thresholds=round_settings(),
        code=code_of("refine_grid.py"),
    script:
        "../scripts/refine_grid.py"


rule aggregate_runs:
    input:
        chunks=run_chunk_files,
        refinements=refinement_tables,
    output:
        f"{RESULTS}/runs.parquet",
    log:
        f"{RESULTS}/logs/aggregate_runs.log",
    conda:
        ENV
    params:
        expected=expected_runs(),
        refinement=refinement_settings(),
        code=code_of("aggregate_runs.py"),
    script:
        "../scripts/aggregate_runs.py"
