"""Rule quadratic_widths: Gaussian widths w^2 of the projected sub-level sets, d* = D - w^2 and the empirical d*."""

from dof.config import QuadraticConfig, from_mapping
from dof.engine import io
from dof.engine.device import limit_threads
from dof.theory import quadratic

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
settings = from_mapping(QuadraticConfig, snakemake.params.quadratic, "theory.quadratic")
widths = quadratic.quadratic_widths(settings, io.read_table(snakemake.input[0]))
print(widths.to_string())
io.write_table(widths, snakemake.output[0], config=snakemake.config)
