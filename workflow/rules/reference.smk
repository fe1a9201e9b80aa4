# The reference stage: the full-model baseline theta* of a seed (every weight trained from theta_0) and its table.
# The other stages read it: thresholds (d_int90, figure 2's dashed line, when baseline.enabled), theory (the solution
# whose Hessian predicts d*) and lottery (figure 7's full model). Its jobs run only for the seeds someone asks for.


def seed_theta_0(wildcards):
    """The burn-in file with theta_0 (t0 = 0) of the seed in the wildcards, where its full-space training starts."""
    return burn_in_files(wildcards.dataset, wildcards.model, 0, [wildcards.seed])


def baseline_optimizer():
    """The optimiser of the full-model baseline: the subspace runs' Adam and budget (not their projection)."""
    keys = ("lr", "beta1", "beta2", "eps", "batch_size", "epochs")
    return {key: config["subspace"][key] for key in keys}


rule train_baseline:
    input:
        seed_theta_0,
    output:
        f"{RESULTS}/baseline/{{dataset}}/{{model}}/seed_{{seed}}.pt",
    log:
        f"{RESULTS}/logs/train_baseline/{{dataset}}/{{model}}/seed_{{seed}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/train_baseline/{{dataset}}/{{model}}/seed_{{seed}}.tsv"
    conda:
        ENV
    threads: 1
    params:
        data=dataset_options,
        optimizer=baseline_optimizer(),
    script:
        "../scripts/train_baseline.py"


def baseline_seeds():
    """Seeds of the baseline table: every subspace seed, plus the lottery seeds when that stage runs."""
    seeds = set(config["subspace"]["seeds"])
    if config["lottery"]["enabled"]:
        seeds |= set(config["lottery"].get("seeds") or [])
    return sorted(seeds)


rule baseline:
    input:
        per_network(rules.train_baseline.output[0], seed=baseline_seeds()),
    output:
        f"{RESULTS}/baseline.parquet",
    log:
        f"{RESULTS}/logs/baseline.log",
    conda:
        ENV
    script:
        "../scripts/baseline.py"
