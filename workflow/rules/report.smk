# The report's tables: the key tables of the experiment as sortable HTML pages, beside the figures in
# `snakemake --report results/<experiment>/report.html` (`make report`).


include: "report_inputs.smk"


REPORT_TABLES = {
    "thresholds": "d* per (t0, metric, epsilon) with its interval",
    "widths": "Gaussian widths and d* of the quadratic wells",
    "d_star_prediction": "predicted against measured d*",
    "baseline": "the full-model baseline",
    "methods_thresholds": "d* and d_int90 of every method",
    "methods_reach": "the d at which each method's median accuracy reaches a level",
    "connectivity_slopes": "log-log slopes of the dropout gap and the barriers against width",
    "connectivity_summary": "dropout gap and barriers per width",
}
"""The tables the report shows, with their titles; each is in the report when its stage runs."""


wildcard_constraints:
    table="|".join(REPORT_TABLES),


rule report_table:
    input:
        report_table_source,
    output:
        report(
            f"{RESULTS}/report/{{table}}.html",
            caption="../report/table.rst",
            category="Tables",
            labels={"table": "{table}"},
        ),
    log:
        f"{RESULTS}/logs/report_table/{{table}}.log",
    conda:
        ENV
    params:
        title=report_table_title,
        code=code_of("report_table.py"),
    script:
        "../scripts/report_table.py"
