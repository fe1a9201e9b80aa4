"""Rule jamming_figures: the phase diagram, double descent and N_Delta / N of one dataset and depth."""

from dof.analysis import jamming_figures
from dof.analysis.plotting import save_figure
from dof.engine import io

io.redirect_output(snakemake.log[0])
dataset, depth = snakemake.wildcards.dataset, int(snakemake.wildcards.depth)
tables = {name: io.read_table(path) for name, path in snakemake.input.items()}
output = snakemake.output
figures = {
    output.phase_png: jamming_figures.phase_diagram(
        tables["success"], tables["thresholds"], tables["c0"], dataset, depth
    ),
    output.descent_png: jamming_figures.double_descent(tables["ensembles"], tables["thresholds"], dataset, depth),
    output.n_delta_png: jamming_figures.n_delta_figure(tables["summary"], tables["thresholds"], dataset, depth),
}
for png, fig in figures.items():
    save_figure(fig, png.removesuffix(".png"))
