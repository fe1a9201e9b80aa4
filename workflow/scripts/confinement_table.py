"""Rule confinement_table: every seed's confinement rows (burn-in points and trajectories) into confinement.parquet."""

from dof.analysis import confinement
from dof.engine import io

io.redirect_output(snakemake.log[0])
table = confinement.confinement_table([io.read_table(path) for path in snakemake.input])
print(confinement.confinement_summary(table).to_string())
io.write_table(table, snakemake.output[0], config=snakemake.config)
