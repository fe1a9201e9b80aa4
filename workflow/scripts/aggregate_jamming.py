"""Rule aggregate_jamming: the run chunks into jamming_runs.parquet, checked against the configured grid."""

from dof.analysis import records
from dof.engine import io
from dof.stages.jamming import RUN_COLUMNS
from dof.tables import JAMMING_RUN_KEY

io.redirect_output(snakemake.log[0])
expected = records.expected_grid(snakemake.params.expected)
runs = records.aggregate([io.read_table(path) for path in snakemake.input], expected, JAMMING_RUN_KEY, RUN_COLUMNS)
print(runs["status"].value_counts().to_string())
io.write_table(runs, snakemake.output[0], config=snakemake.config)
