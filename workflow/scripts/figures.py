"""Rule figures: figures 2 and 3 of the paper for one dataset and model."""

from pathlib import Path

from dof.analysis import figures
from dof.engine import io

io.redirect_output(snakemake.log[0])
inputs, outputs = snakemake.input, snakemake.output
one = {"dataset": snakemake.wildcards.dataset, "model": snakemake.wildcards.model}
success, threshold_rows = io.read_rows(inputs.success, **one), io.read_rows(inputs.thresholds, **one)
baseline = io.read_rows(inputs.baseline, **one) if hasattr(inputs, "baseline") else None
success_map = figures.success_map_figure(success, threshold_rows, baseline)
figures.save_figure(success_map, Path(outputs.success_map_png).with_suffix(""))
figures.save_figure(figures.threshold_figure(threshold_rows), Path(outputs.thresholds_png).with_suffix(""))
