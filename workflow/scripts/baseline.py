"""Rule baseline: the full-model baseline table from the fully trained solutions theta* (one row per seed)."""

from dof import io, lottery

io.redirect_output(snakemake.log[0])
solutions = [io.load_checkpoint(path, lottery.BASELINE_COLUMNS) for path in snakemake.input]
table = lottery.baseline_table(solutions)
print(table.to_string())
io.write_table(table, snakemake.output[0], config=snakemake.params.config)
