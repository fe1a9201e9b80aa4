"""Rule theory_figures: Hessian spectra per checkpoint and predicted vs measured d* for one dataset and model."""

from pathlib import Path

from dof.analysis import figures
from dof.engine import io
from dof.engine.device import limit_threads

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
one = {"dataset": snakemake.wildcards.dataset, "model": snakemake.wildcards.model}
outputs = snakemake.output
spectra, prediction = io.read_rows(snakemake.input.spectra, **one), io.read_rows(snakemake.input.prediction, **one)
figures.save_figure(figures.hessian_spectra_figure(spectra), Path(outputs.spectra_png).with_suffix(""))
figures.save_figure(figures.prediction_figure(prediction), Path(outputs.prediction_png).with_suffix(""))
