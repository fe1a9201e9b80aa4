"""Rule figure7: final accuracy against compression D / d for every method, for one dataset and model."""

from pathlib import Path

from dof import figures, io

io.redirect_output(snakemake.log[0])
dataset, model = snakemake.wildcards.dataset, snakemake.wildcards.model


def select(path):
    table = io.read_table(path)
    return table[(table["dataset"] == dataset) & (table["model"] == model)]


fig = figures.compression_figure(select(snakemake.input.methods), select(snakemake.input.baseline))
figures.save_figure(fig, Path(snakemake.output.png).with_suffix(""))
