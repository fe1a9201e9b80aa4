"""Rule compare_methods: every method in one long table, with its success probabilities, d*, d_int90 and the d at
which the median accuracy reaches each epsilon."""

import pandas as pd

from dof.analysis import lottery, thresholds
from dof.config import ThresholdsConfig, from_mapping
from dof.engine import io

io.redirect_output(snakemake.log[0])
inputs = snakemake.input
settings = from_mapping(ThresholdsConfig, snakemake.params.thresholds, "thresholds")
table = lottery.combine_methods(io.read_table(inputs.runs), io.read_table(inputs.lottery))
success = thresholds.success_table(table, settings.epsilons, settings.metrics, settings.confidence)
threshold_rows = thresholds.threshold_table(
    success,
    delta=settings.delta,
    n_bootstrap=settings.n_bootstrap,
    confidence=settings.confidence,
    seed=settings.bootstrap_seed,
)
threshold_rows = thresholds.add_d_int90(threshold_rows, table, io.read_table(inputs.baseline))
reach = pd.concat(
    [lottery.median_reach_table(table, settings.epsilons, metric) for metric in settings.metrics],
    ignore_index=True,
)
print(reach.to_string())
outputs = (table, "methods"), (success, "success"), (threshold_rows, "thresholds"), (reach, "reach")
for frame, name in outputs:
    io.write_table(frame, snakemake.output[name], config=snakemake.config)
