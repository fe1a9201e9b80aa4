"""Rule thresholds: d*(epsilon, t0) with bootstrap intervals."""

from dof import io, thresholds

io.redirect_output(snakemake.log[0])
settings = snakemake.params.thresholds
table = thresholds.threshold_table(
    io.read_table(snakemake.input[0]),
    delta=settings["delta"],
    n_bootstrap=settings["n_bootstrap"],
    confidence=settings["confidence"],
    seed=settings["bootstrap_seed"],
)
print(table.to_string())
io.write_table(table, snakemake.output[0], config=snakemake.params.config)
