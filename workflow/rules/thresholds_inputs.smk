# Input functions and params of the rules in thresholds.smk (a stage's functions live beside its rules, in
# their own file, so that `snakemake --lint` finds no functions mixed with rules).


def baseline_reference(wildcards):
    """With baseline.enabled: the runs and the baseline table that d_int90 and figure 2's dashed line need."""
    if not CFG.baseline.enabled:
        return {}
    return {
        "runs": rules.aggregate_runs.output[0],
        "baseline": rules.baseline.output[0],
    }


def baseline_dashed_line(wildcards):
    """With baseline.enabled: the baseline table, figure 2's dashed line."""
    if not CFG.baseline.enabled:
        return {}
    return {"baseline": rules.baseline.output[0]}


def threshold_targets():
    """The core tables and figures: runs, P_s, d*, figures 2, 3 and 6 (and the baseline table when it is on)."""
    tables = [
        *rules.aggregate_runs.output,
        *rules.success_probabilities.output,
        *rules.thresholds.output,
    ]
    if CFG.baseline.enabled:
        tables += rules.baseline.output
    figures = [
        path for template in rules.figures.output for path in per_network(template)
    ]
    return tables + figures + list(rules.figure6.output)
