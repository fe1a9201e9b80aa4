"""Rule aggregate_runs: every chunk table into runs.parquet, checked against the configured grid."""

from dof.analysis import records
from dof.engine import io

io.redirect_output(snakemake.log[0])
runs = records.aggregate(
    (io.read_table(path) for path in snakemake.input), records.expected_grid(snakemake.params.expected)
)
print(f"{len(runs)} runs, {int((runs['status'] != 'ok').sum())} not ok")
io.write_table(runs, snakemake.output[0], config=snakemake.config)
