"""Rule predict_thresholds: the quadratic-approximation d*(epsilon, t0) next to the measured d*."""

from dof import io, theory

io.redirect_output(snakemake.log[0])
prediction = theory.prediction_table(
    io.read_table(snakemake.input.spectra),
    io.read_table(snakemake.input.runs),
    io.read_table(snakemake.input.thresholds),
    floor=snakemake.params.prediction["eigenvalue_floor"],
)
print(prediction.to_string())
io.write_table(prediction, snakemake.output[0], config=snakemake.params.config)
