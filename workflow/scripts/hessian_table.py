"""Rule hessian_table (theory stage): every checkpoint's Hessian spectrum with its distance from theta*, in one
table."""

from dof.engine import io
from dof.stages.spectra import spectrum_table

io.redirect_output(snakemake.log[0])
table = spectrum_table(
    (io.read_table(path) for path in snakemake.input.spectra),
    (io.read_table(path) for path in snakemake.input.geometry),
)
print(table.drop(columns=["density_grid", "density", "slq_nodes", "slq_weights", "slq_probe"]).to_string())
io.write_table(table, snakemake.output[0], config=snakemake.config)
