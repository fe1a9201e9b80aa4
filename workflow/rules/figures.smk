# The paper's figures 2 (P_s map) and 3 (d* against epsilon) per dataset and model.


rule figures:
    input:
        unpack(baseline_figure_inputs),
        success=f"{RESULTS}/success.parquet",
        thresholds=f"{RESULTS}/thresholds.parquet",
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
    script:
        "../scripts/figures.py"


rule figure6:
    input:
        thresholds=f"{RESULTS}/thresholds.parquet",
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
    script:
        "../scripts/figure6.py"
