"""Rule thresholds: d*(epsilon, t0) on the grid (censoring flagged, bootstrap intervals), the fitted transition
(binomial GLM on log2 d), and d_int90 when the full-model baseline is on."""

from dof.analysis import thresholds
from dof.config import ThresholdsConfig, from_mapping
from dof.engine import io

io.redirect_output(snakemake.log[0])
settings = from_mapping(ThresholdsConfig, snakemake.params.thresholds, "thresholds")
table = thresholds.threshold_table(
    io.read_table(snakemake.input.success),
    delta=settings.delta,
    n_bootstrap=settings.n_bootstrap,
    confidence=settings.confidence,
    seed=settings.bootstrap_seed,
)
inputs = snakemake.input
has_baseline = hasattr(inputs, "baseline")
runs = io.read_table(inputs.runs) if has_baseline else None
table = thresholds.add_d_int90(table, runs, io.read_table(inputs.baseline) if has_baseline else None)
print(table.to_string())
io.write_table(table, snakemake.output[0], config=snakemake.config)
