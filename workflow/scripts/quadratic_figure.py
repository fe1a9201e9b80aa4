"""Rule quadratic_figure: figure 5 of the paper (spectra, P_s maps for three distances, empirical vs predicted d*)."""

from pathlib import Path

from dof.analysis.plotting import save_figure
from dof.analysis.theory_figures import quadratic_figure
from dof.config import QuadraticConfig, from_mapping
from dof.engine import io
from dof.engine.device import limit_threads
from dof.theory import quadratic

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
settings = from_mapping(QuadraticConfig, snakemake.params.quadratic, "theory.quadratic")
figure = quadratic_figure(
    quadratic.quadratic_spectra(settings),
    io.read_table(snakemake.input.success),
    io.read_table(snakemake.input.widths),
)
save_figure(figure, Path(snakemake.output.png).with_suffix(""))
