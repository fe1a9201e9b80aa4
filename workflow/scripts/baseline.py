"""Rule baseline: the full-model baseline table from the trained baseline checkpoints (one row per seed)."""

from dof.engine import io
from dof.stages.baseline import BASELINE_COLUMNS, baseline_table

io.redirect_output(snakemake.log[0])
checkpoints = [io.load_checkpoint(path, BASELINE_COLUMNS) for path in snakemake.input]
table = baseline_table(checkpoints, chance_margin=snakemake.params.chance_margin)
print(table.to_string())
for row in table[table["status"] != "ok"].itertuples():
    print(f"WARNING: baseline {row.dataset}/{row.model} seed {row.seed} is {row.status}: {row.status_reason}")
io.write_table(table, snakemake.output[0], config=snakemake.config)
