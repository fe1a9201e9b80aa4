"""Rule aggregate_runs (subspace stage): every chunk table into runs.parquet, checked against the configured grid and
the cells that refinement rounds added."""

import pandas as pd

from dof.analysis import records
from dof.engine import io

io.redirect_output(snakemake.log[0])
tables = [io.read_table(path) for path in snakemake.input.refinements]
cells = pd.concat(tables, ignore_index=True) if tables else None
runs = records.aggregate(
    (io.read_table(path) for path in snakemake.input.chunks), records.expected_runs(snakemake.params.expected, cells)
)
print(f"{len(runs)} runs, {int((runs['status'] != 'ok').sum())} not ok")
io.write_table(runs, snakemake.output[0], config=snakemake.config)
