# Success probabilities P_s(d, epsilon, t0), threshold training dimensions d*, and the paper's figures 2, 3 and 6.


include: "thresholds_inputs.smk"


rule success_probabilities:
    input:
        rules.aggregate_runs.output,
    output:
        f"{RESULTS}/success.parquet",
    log:
        f"{RESULTS}/logs/success_probabilities.log",
    conda:
        ENV
    params:
        thresholds=as_dict(CFG.thresholds),
        code=code_of("success_probabilities.py"),
    script:
        "../scripts/success_probabilities.py"


rule thresholds:
    input:
        unpack(baseline_reference),
        success=rules.success_probabilities.output[0],
    output:
        f"{RESULTS}/thresholds.parquet",
    log:
        f"{RESULTS}/logs/thresholds.log",
    conda:
        ENV
    params:
        thresholds=as_dict(CFG.thresholds),
        code=code_of("thresholds.py"),
    script:
        "../scripts/thresholds.py"


rule figures:
    input:
        unpack(baseline_dashed_line),
        success=rules.success_probabilities.output[0],
        thresholds=rules.thresholds.output[0],
    output:
        success_map_png=report(
            f"{RESULTS}/figures/fig2_success_map_{{dataset}}_{{model}}.png",
            caption="../report/fig2_success_map.rst",
            category="Figure 2: success probability",
            subcategory="{dataset} / {model}",
        ),
        success_map_pdf=f"{RESULTS}/figures/fig2_success_map_{{dataset}}_{{model}}.pdf",
        thresholds_png=report(
            f"{RESULTS}/figures/fig3_thresholds_{{dataset}}_{{model}}.png",
            caption="../report/fig3_thresholds.rst",
            category="Figure 3: threshold training dimension",
            subcategory="{dataset} / {model}",
        ),
        thresholds_pdf=f"{RESULTS}/figures/fig3_thresholds_{{dataset}}_{{model}}.pdf",
    log:
        f"{RESULTS}/logs/figures/{{dataset}}_{{model}}.log",
    conda:
        ENV
    params:
        code=code_of("figures.py"),
    script:
        "../scripts/figures.py"


rule figure6:
    input:
        thresholds=rules.thresholds.output[0],
    output:
        png=report(
            f"{RESULTS}/figures/fig6_threshold_fraction.png",
            caption="../report/fig6_threshold_fraction.rst",
            category="Figure 6: d* as a fraction of D",
        ),
        pdf=f"{RESULTS}/figures/fig6_threshold_fraction.pdf",
    log:
        f"{RESULTS}/logs/figure6.log",
    conda:
        ENV
    params:
        code=code_of("figure6.py"),
    script:
        "../scripts/figure6.py"
