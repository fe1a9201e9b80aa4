"""Rule figures: figures 2 and 3 of the paper for one dataset and model."""

from pathlib import Path

from dof.analysis.plotting import save_figure
from dof.analysis.thresholds_figures import success_map_figure, threshold_figure
from dof.engine import io

io.redirect_output(snakemake.log[0])
inputs, outputs = snakemake.input, snakemake.output
one = {"dataset": snakemake.wildcards.dataset, "model": snakemake.wildcards.model}
success, threshold_rows = io.read_rows(inputs.success, **one), io.read_rows(inputs.thresholds, **one)
baseline = io.read_rows(inputs.baseline, **one) if hasattr(inputs, "baseline") else None
success_map = success_map_figure(success, threshold_rows, baseline)
save_figure(success_map, Path(outputs.success_map_png).with_suffix(""))
save_figure(threshold_figure(threshold_rows), Path(outputs.thresholds_png).with_suffix(""))
