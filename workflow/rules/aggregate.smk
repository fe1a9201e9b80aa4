# Aggregation: every run record of the configured grid into one long table.


rule aggregate_runs:
    input:
        run_chunk_paths(),
    output:
        f"{RESULTS}/runs.parquet",
    log:
        f"{RESULTS}/logs/aggregate_runs.log",
    conda:
        ENV
    params:
        expected=expected_runs(),
        config=config,
    script:
        "../scripts/aggregate_runs.py"
