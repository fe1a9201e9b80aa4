"""Rule connectivity_tables: runs, dropout rows, gaps per run, barriers, path curves, log-log slopes, a summary."""

from dof.analysis import connectivity, records
from dof.engine import io
from dof.tables import CONNECTIVITY_PATH_KEY, CONNECTIVITY_RUN_KEY

io.redirect_output(snakemake.log[0])
expected = {name: records.expected_grid(axes) for name, axes in snakemake.params.expected.items()}
inputs = snakemake.input
tables = {
    name: records.aggregate([io.read_table(p) for p in inputs[name]], expected.get(name), key=key)
    for name, key in (
        ("runs", CONNECTIVITY_RUN_KEY),
        ("dropout", list(expected["dropout"].columns)),
        ("barriers", list(expected["barriers"].columns)),
        ("paths", CONNECTIVITY_PATH_KEY),
    )
}
runs, barriers = tables["runs"], tables["barriers"]
gaps = connectivity.run_gaps(tables["dropout"])
tables["gaps"] = gaps
tables["slopes"] = connectivity.slopes(gaps, barriers, snakemake.params.confidence)
tables["summary"] = connectivity.summary(runs, gaps, barriers)
print(runs["status"].value_counts().to_string(), tables["slopes"].to_string(), tables["summary"].to_string(), sep="\n")
for name, table in tables.items():
    io.write_table(table, snakemake.output[name], config=snakemake.config)
