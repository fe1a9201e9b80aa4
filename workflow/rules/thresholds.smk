# Success probabilities P_s(d, epsilon, t0) and threshold training dimensions d*.


rule success_probabilities:
    input:
        f"{RESULTS}/runs.parquet",
    output:
        f"{RESULTS}/success.parquet",
    params:
        thresholds=config["thresholds"],
        config=config,
    log:
        f"{RESULTS}/logs/success_probabilities.log",
    conda:
        ENV
    script:
        "../scripts/success_probabilities.py"


rule thresholds:
    input:
        f"{RESULTS}/success.parquet",
    output:
        f"{RESULTS}/thresholds.parquet",
    params:
        thresholds=config["thresholds"],
        config=config,
    log:
        f"{RESULTS}/logs/thresholds.log",
    conda:
        ENV
    script:
        "../scripts/thresholds.py"
