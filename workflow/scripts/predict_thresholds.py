"""Rule predict_thresholds: the quadratic-approximation d*(epsilon, t0) next to the measured d*."""

from dof.analysis.prediction import prediction_table
from dof.config import PredictionConfig, from_mapping
from dof.engine import io

io.redirect_output(snakemake.log[0])
settings = from_mapping(PredictionConfig, snakemake.params.prediction, "theory.prediction")
prediction = prediction_table(
    io.read_table(snakemake.input.spectra),
    io.read_table(snakemake.input.runs),
    io.read_table(snakemake.input.thresholds),
    floor=settings.eigenvalue_floor,
)
print(prediction.to_string())
io.write_table(prediction, snakemake.output[0], config=snakemake.config)
