"""Rule quadratic_widths: Gaussian widths w^2 of the projected sub-level sets, d* = D - w^2 and the empirical d*."""

from dof import io, theory

io.redirect_output(snakemake.log[0])
theory.limit_threads(snakemake.threads)
widths = theory.quadratic_widths(snakemake.params.quadratic, io.read_table(snakemake.input[0]))
print(widths.to_string())
io.write_table(widths, snakemake.output[0], config=snakemake.config)
