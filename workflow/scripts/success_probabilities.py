"""Rule success_probabilities: P_s per (dataset, model, method, t0, d, metric, epsilon), d = 0 the start point, with
exact binomial (Clopper-Pearson) intervals."""

from dof.analysis import thresholds
from dof.config import ThresholdsConfig, from_mapping
from dof.engine import io

io.redirect_output(snakemake.log[0])
settings = from_mapping(ThresholdsConfig, snakemake.params.thresholds, "thresholds")
runs = io.read_table(snakemake.input[0])
success = thresholds.success_table(runs, settings.epsilons, settings.metrics, settings.confidence)
print(success.to_string())
io.write_table(success, snakemake.output[0], config=snakemake.config)
