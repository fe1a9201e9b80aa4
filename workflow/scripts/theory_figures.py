"""Rule theory_figures: Hessian spectra per checkpoint and predicted vs measured d* for one dataset and model."""

from pathlib import Path

from dof import figures, io, theory

io.redirect_output(snakemake.log[0])
theory.limit_threads(snakemake.threads)
dataset, model = snakemake.wildcards.dataset, snakemake.wildcards.model


def select(path):
    table = io.read_table(path)
    return table[(table["dataset"] == dataset) & (table["model"] == model)]


outputs = snakemake.output
spectra, prediction = select(snakemake.input.spectra), select(snakemake.input.prediction)
figures.save_figure(figures.hessian_spectra_figure(spectra), Path(outputs.spectra_png).with_suffix(""))
figures.save_figure(figures.prediction_figure(prediction), Path(outputs.prediction_png).with_suffix(""))
