"""Rule quadratic_figure: figure 5 of the paper (spectra, P_s maps for three distances, empirical vs predicted d*)."""

from pathlib import Path

from dof import figures, io, theory

io.redirect_output(snakemake.log[0])
theory.limit_threads(snakemake.threads)
figure = figures.quadratic_figure(
    theory.quadratic_spectra(snakemake.params.quadratic),
    io.read_table(snakemake.input.success),
    io.read_table(snakemake.input.widths),
)
figures.save_figure(figure, Path(snakemake.output.png).with_suffix(""))
