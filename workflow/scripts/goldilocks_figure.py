"""Rule goldilocks_figure: P_s and the section curvature against the init scale r, per d, for one dataset and model."""

from dof.analysis.goldilocks_figures import goldilocks_figure
from dof.analysis.plotting import save_figure
from dof.engine import io

io.redirect_output(snakemake.log[0])
wildcards, params = snakemake.wildcards, snakemake.params
fig = goldilocks_figure(
    io.read_table(snakemake.input.success),
    io.read_table(snakemake.input.curvature),
    wildcards.dataset,
    wildcards.model,
    params.metric,
    params.epsilon,
)
save_figure(fig, snakemake.output.png.removesuffix(".png"))
