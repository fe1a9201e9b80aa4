# The baseline stage: the full-model baseline theta* of a seed (every weight trained from theta_0) and its table.
# The other stages read it: thresholds (d_int90, figure 2's dashed line, when baseline.enabled), theory (the solution
# whose Hessian predicts d*) and lottery (figure 7's full model). Its jobs run only for the seeds someone asks for.
# It trains from each start (full fine-tuning from a checkpoint start: the baseline d_int90 of that start is measured
# against, as Aghajanyan et al. define it); the init start has no path segment, a checkpoint start adds
# `/start_<name>` after the model's folder, as in burn-in. It trains with its own optimiser (the baseline block); a
# baseline that diverged or did not train is flagged in its table (status, status_reason) and is then no reference:
# d_int90 stays null and the full-model lines are omitted.


include: "baseline_inputs.smk"


rule train_baseline:
    input:
        start_theta_0,
    output:
        f"{RESULTS}/baseline/{{dataset}}/{{model}}{{start}}/seed_{{seed}}.pt",
    log:
        f"{RESULTS}/logs/train_baseline/{{dataset}}/{{model}}{{start}}/seed_{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/train_baseline/{{dataset}}/{{model}}{{start}}/seed_{{seed}}.tsv"
    conda:
        ENV
    threads: 1
    params:
        data=dataset_options,
        optimizer=baseline_optimizer(),
        code=code_of("train_baseline.py"),
    script:
        "../scripts/train_baseline.py"


rule baseline:
    input:
        baseline_files(),
    output:
        f"{RESULTS}/baseline.parquet",
    log:
        f"{RESULTS}/logs/baseline.log",
    conda:
        ENV
    params:
        chance_margin=CFG.baseline.chance_margin,
        code=code_of("baseline.py"),
    script:
        "../scripts/baseline.py"
