# Aggregation: every run record of the configured grid into one long table.


rule aggregate_runs:
    input:
        run_chunk_paths(),
    output:
        f"{RESULTS}/runs.parquet",
    params:
        expected=expected_runs(),
        config=config,
    log:
        f"{RESULTS}/logs/aggregate_runs.log",
    conda:
        ENV
    script:
        "../scripts/aggregate_runs.py"
