"""Rule baseline: the full-model baseline table from the trained baseline checkpoints (one row per seed)."""

from dof.engine import io
from dof.stages.baseline import BASELINE_COLUMNS, baseline_table

io.redirect_output(snakemake.log[0])
table = baseline_table([io.load_checkpoint(path, BASELINE_COLUMNS) for path in snakemake.input])
print(table.to_string())
io.write_table(table, snakemake.output[0], config=snakemake.config)
