"""Rule figures: figures 2 and 3 of the paper for one dataset and model."""

from pathlib import Path

from dof import figures, io

io.redirect_output(snakemake.log[0])
dataset, model = snakemake.wildcards.dataset, snakemake.wildcards.model


def select(path):
    table = io.read_table(path)
    return table[(table["dataset"] == dataset) & (table["model"] == model)]


success, threshold_rows = select(snakemake.input.success), select(snakemake.input.thresholds)
outputs = snakemake.output
baseline = select(snakemake.input.baseline) if hasattr(snakemake.input, "baseline") else None
success_map = figures.success_map_figure(success, threshold_rows, baseline)
figures.save_figure(success_map, Path(outputs.success_map_png).with_suffix(""))
figures.save_figure(figures.threshold_figure(threshold_rows), Path(outputs.thresholds_png).with_suffix(""))
