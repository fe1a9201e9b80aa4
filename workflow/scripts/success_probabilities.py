"""Rule success_probabilities: P_s per (dataset, model, t0, d, metric, epsilon)."""

from dof import io, thresholds

io.redirect_output(snakemake.log[0])
settings = snakemake.params.thresholds
success = thresholds.success_table(io.read_table(snakemake.input[0]), settings["epsilons"], settings["metrics"])
print(success.to_string())
io.write_table(success, snakemake.output[0], config=snakemake.params.config)
