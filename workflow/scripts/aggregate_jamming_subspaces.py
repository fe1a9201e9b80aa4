"""Rule aggregate_jamming_subspaces: the subspace run chunks into jamming_subspace_runs.parquet, checked against the
configured grid."""

from dof.analysis import records
from dof.engine import io
from dof.stages.jamming_subspace import RUN_COLUMNS
from dof.tables import JAMMING_SUBSPACE_RUN_KEY

io.redirect_output(snakemake.log[0])
expected = records.expected_grid(snakemake.params.expected)
runs = records.aggregate(
    [io.read_table(path) for path in snakemake.input], expected, JAMMING_SUBSPACE_RUN_KEY, RUN_COLUMNS
)
print(runs.groupby(["n_train", "d"])["status"].value_counts().to_string())
io.write_table(runs, snakemake.output[0], config=snakemake.config)
