# Success probabilities P_s(d, epsilon, t0) and threshold training dimensions d*.


rule success_probabilities:
    input:
        f"{RESULTS}/runs.parquet",
    output:
        f"{RESULTS}/success.parquet",
    log:
        f"{RESULTS}/logs/success_probabilities.log",
    conda:
        ENV
    params:
        thresholds=config["thresholds"],
        config=config,
    script:
        "../scripts/success_probabilities.py"


rule thresholds:
    input:
        unpack(baseline_inputs),
        success=f"{RESULTS}/success.parquet",
    output:
        f"{RESULTS}/thresholds.parquet",
    log:
        f"{RESULTS}/logs/thresholds.log",
    conda:
        ENV
    params:
        thresholds=config["thresholds"],
        config=config,
    script:
        "../scripts/thresholds.py"
