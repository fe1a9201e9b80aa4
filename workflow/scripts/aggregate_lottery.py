"""Rule aggregate_lottery: lottery subspace and ticket chunks into lottery_runs.parquet, checked against the grid."""

from dof.analysis import lottery, records
from dof.engine import io

io.redirect_output(snakemake.log[0])
expected = {name: records.expected_grid(axes) for name, axes in snakemake.params.expected.items()}
table = lottery.aggregate_lottery([io.read_table(path) for path in snakemake.input], expected)
print(f"{len(table)} rows, {int((table['status'] != 'ok').sum())} not ok")
io.write_table(table, snakemake.output[0], config=snakemake.config)
