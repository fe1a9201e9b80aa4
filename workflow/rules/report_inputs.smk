# Input functions and params of the rules in report.smk (a stage's functions live beside its rules, in
# their own file, so that `snakemake --lint` finds no functions mixed with rules).


def report_table_source(wildcards):
    """The Parquet table a report page shows."""
    return f"{RESULTS}/{wildcards.table}.parquet"


def report_table_title(wildcards):
    """The title of a report page."""
    return REPORT_TABLES[wildcards.table]


def report_targets():
    """The report pages of the tables this experiment makes."""
    tables = ["thresholds", "widths", "d_star_prediction"]
    if CFG.baseline.enabled or CFG.lottery.enabled:
        tables.append("baseline")
    if CFG.lottery.enabled:
        tables += ["methods_thresholds", "methods_reach"]
    if CFG.connectivity.enabled:
        tables += ["connectivity_slopes", "connectivity_summary"]
    return expand(rules.report_table.output[0], table=tables)
