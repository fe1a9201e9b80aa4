"""Rule confinement_figure: the gradient's top-k share and lambda_max against training step, one dataset and model."""

from dof.analysis.confinement_figures import confinement_figure
from dof.analysis.plotting import save_figure
from dof.engine import io

io.redirect_output(snakemake.log[0])
wildcards = snakemake.wildcards
fig = confinement_figure(io.read_table(snakemake.input[0]), wildcards.dataset, wildcards.model)
save_figure(fig, snakemake.output.png.removesuffix(".png"))
