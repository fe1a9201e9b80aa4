"""Rule theory_figures: Hessian spectra per checkpoint and predicted vs measured d* for one dataset and model."""

from pathlib import Path

from dof.analysis.plotting import save_figure
from dof.analysis.theory_figures import hessian_spectra_figure, prediction_figure
from dof.engine import io
from dof.engine.device import limit_threads

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
one = {"dataset": snakemake.wildcards.dataset, "model": snakemake.wildcards.model}
outputs = snakemake.output
spectra, prediction = io.read_rows(snakemake.input.spectra, **one), io.read_rows(snakemake.input.prediction, **one)
save_figure(hessian_spectra_figure(spectra), Path(outputs.spectra_png).with_suffix(""))
save_figure(prediction_figure(prediction), Path(outputs.prediction_png).with_suffix(""))
