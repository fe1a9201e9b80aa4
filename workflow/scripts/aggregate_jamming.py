"""Rule aggregate_jamming: the run chunks into jamming_runs.parquet, checked against the configured grid."""

from dof.analysis import jamming, records
from dof.engine import io

io.redirect_output(snakemake.log[0])
expected = records.expected_grid(snakemake.params.expected)
runs = jamming.aggregate_runs([io.read_table(path) for path in snakemake.input], expected)
print(runs["status"].value_counts().to_string())
io.write_table(runs, snakemake.output[0], config=snakemake.config)
