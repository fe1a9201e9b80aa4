"""Rule figure7: final accuracy against compression D / d for every method, for one dataset and model."""

from pathlib import Path

from dof.analysis.lottery_figures import compression_figure
from dof.analysis.plotting import save_figure
from dof.engine import io

io.redirect_output(snakemake.log[0])
one = {"dataset": snakemake.wildcards.dataset, "model": snakemake.wildcards.model}
methods = io.read_rows(snakemake.input.methods, **one)
fig = compression_figure(methods, io.read_rows(snakemake.input.baseline, **one))
save_figure(fig, Path(snakemake.output.png).with_suffix(""))
