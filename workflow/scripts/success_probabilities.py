"""Rule success_probabilities: P_s per (dataset, model, method, t0, d, metric, epsilon)."""

from dof.analysis import thresholds
from dof.config import ThresholdsConfig, from_mapping
from dof.engine import io

io.redirect_output(snakemake.log[0])
settings = from_mapping(ThresholdsConfig, snakemake.params.thresholds, "thresholds")
success = thresholds.success_table(io.read_table(snakemake.input[0]), settings.epsilons, settings.metrics)
print(success.to_string())
io.write_table(success, snakemake.output[0], config=snakemake.config)
