"""Rule connectivity_figures: dropout gap and barriers against width, the loss along both paths at one width."""

from dof.analysis import connectivity_figures
from dof.analysis.plotting import save_figure
from dof.engine import io

io.redirect_output(snakemake.log[0])
dataset, depth = snakemake.wildcards.dataset, int(snakemake.wildcards.depth)
tables = {name: io.read_table(path) for name, path in snakemake.input.items()}
output = snakemake.output
figures = {
    output.gap_png: connectivity_figures.gap_figure(tables["gaps"], tables["slopes"], dataset, depth),
    output.barriers_png: connectivity_figures.barrier_figure(tables["barriers"], tables["slopes"], dataset, depth),
    output.paths_png: connectivity_figures.path_figure(tables["paths"], dataset, depth, snakemake.params.path_width),
}
for png, fig in figures.items():
    save_figure(fig, png.removesuffix(".png"))
