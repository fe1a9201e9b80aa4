# Connectivity stage (Shevchenko & Mondelli): mean-field networks trained with SGD over a grid of widths; the
# dropout gap |L_N - L_M| per run, the straight-line and dropout-path barriers per pair, fits against width, figures.


include: "connectivity_inputs.smk"


rule train_connectivity:
    output:
        runs=f"{RESULTS}/connectivity/{{dataset}}/L_{{depth}}/N_{{width}}/seeds_{{seeds}}.parquet",
        weights=f"{RESULTS}/connectivity/{{dataset}}/L_{{depth}}/N_{{width}}/seeds_{{seeds}}.pt",
    log:
        f"{RESULTS}/logs/train_connectivity/{{dataset}}/L_{{depth}}/N_{{width}}/seeds_{{seeds}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/train_connectivity/{{dataset}}/L_{{depth}}/N_{{width}}/seeds_{{seeds}}.tsv"
    wildcard_constraints:
        depth=r"\d+",
        width=r"\d+",
    conda:
        ENV
    threads: 1
    params:
        seeds=chunk_seeds,
        halves=connectivity_halves,
        data=dataset_options,
        connectivity=connectivity_training(),
        device=CFG.device,
        code=code_of("train_connectivity.py"),
    script:
        "../scripts/train_connectivity.py"


rule connectivity_cell:
    input:
        connectivity_cell_weights,
    output:
        dropout=f"{RESULTS}/connectivity/{{dataset}}/L_{{depth}}/N_{{width}}/dropout.parquet",
        barriers=f"{RESULTS}/connectivity/{{dataset}}/L_{{depth}}/N_{{width}}/barriers.parquet",
        paths=f"{RESULTS}/connectivity/{{dataset}}/L_{{depth}}/N_{{width}}/paths.parquet",
    log:
        f"{RESULTS}/logs/connectivity_cell/{{dataset}}/L_{{depth}}/N_{{width}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/connectivity_cell/{{dataset}}/L_{{depth}}/N_{{width}}.tsv"
    wildcard_constraints:
        depth=r"\d+",
        width=r"\d+",
    conda:
        ENV
    threads: 1
    params:
        seeds=list(CFG.connectivity.seeds),
        data=dataset_options,
        connectivity=settings(CFG.connectivity),
        code=code_of("connectivity_cell.py"),
    script:
        "../scripts/connectivity_cell.py"


rule connectivity_tables:
    input:
        runs=grid_paths(rules.train_connectivity.output.runs, connectivity_grid()),
        dropout=grid_paths(rules.connectivity_cell.output.dropout, connectivity_grid()),
        barriers=grid_paths(
            rules.connectivity_cell.output.barriers, connectivity_grid()
        ),
        paths=grid_paths(rules.connectivity_cell.output.paths, connectivity_grid()),
    output:
        runs=f"{RESULTS}/connectivity_runs.parquet",
        dropout=f"{RESULTS}/connectivity_dropout.parquet",
        gaps=f"{RESULTS}/connectivity_gaps.parquet",
        barriers=f"{RESULTS}/connectivity_barriers.parquet",
        paths=f"{RESULTS}/connectivity_paths.parquet",
        slopes=f"{RESULTS}/connectivity_slopes.parquet",
        summary=f"{RESULTS}/connectivity_summary.parquet",
    log:
        f"{RESULTS}/logs/connectivity_tables.log",
    conda:
        ENV
    params:
        expected=expected_connectivity(),
        confidence=CFG.thresholds.confidence,
        code=code_of("connectivity_tables.py"),
    script:
        "../scripts/connectivity_tables.py"


rule connectivity_figures:
    input:
        gaps=rules.connectivity_tables.output.gaps,
        barriers=rules.connectivity_tables.output.barriers,
        paths=rules.connectivity_tables.output.paths,
        slopes=rules.connectivity_tables.output.slopes,
    output:
        gap_png=report(
            f"{RESULTS}/figures/connectivity_gap_{{dataset}}_L{{depth}}.png",
            caption="../report/connectivity_gap.rst",
            category="Dropout stability and connectivity",
            subcategory="{dataset} / depth {depth}",
        ),
        gap_pdf=f"{RESULTS}/figures/connectivity_gap_{{dataset}}_L{{depth}}.pdf",
        barriers_png=report(
            f"{RESULTS}/figures/connectivity_barriers_{{dataset}}_L{{depth}}.png",
            caption="../report/connectivity_barriers.rst",
            category="Dropout stability and connectivity",
            subcategory="{dataset} / depth {depth}",
        ),
        barriers_pdf=f"{RESULTS}/figures/connectivity_barriers_{{dataset}}_L{{depth}}.pdf",
        paths_png=report(
            f"{RESULTS}/figures/connectivity_paths_{{dataset}}_L{{depth}}.png",
            caption="../report/connectivity_paths.rst",
            category="Dropout stability and connectivity",
            subcategory="{dataset} / depth {depth}",
        ),
        paths_pdf=f"{RESULTS}/figures/connectivity_paths_{{dataset}}_L{{depth}}.pdf",
    log:
        f"{RESULTS}/logs/connectivity_figures/{{dataset}}_L{{depth}}.log",
    wildcard_constraints:
        depth=r"\d+",
    conda:
        ENV
    params:
        path_width=CFG.connectivity.path_width,
        code=code_of("connectivity_figures.py"),
    script:
        "../scripts/connectivity_figures.py"
