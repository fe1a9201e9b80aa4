"""Rule jamming_dof_figure: N*(P) and d*(P) against P, degrees of freedom two ways, for one dataset."""

from dof.analysis import jamming_figures
from dof.analysis.plotting import save_figure
from dof.engine import io

io.redirect_output(snakemake.log[0])
fig = jamming_figures.degrees_of_freedom(io.read_table(snakemake.input[0]), snakemake.wildcards.dataset)
save_figure(fig, snakemake.output.png.removesuffix(".png"))
