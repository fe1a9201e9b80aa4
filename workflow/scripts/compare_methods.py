"""Rule compare_methods: every method in one long table, with its success probabilities, d*, d_int90 and the d at
which the median accuracy reaches each epsilon."""

import pandas as pd

from dof import io, lottery, thresholds

io.redirect_output(snakemake.log[0])
inputs, settings, config = snakemake.input, snakemake.params.thresholds, snakemake.params.config
methods = lottery.combine_methods(io.read_table(inputs.runs), io.read_table(inputs.lottery))
success = thresholds.success_table(methods, settings["epsilons"], settings["metrics"])
table = thresholds.threshold_table(
    success,
    delta=settings["delta"],
    n_bootstrap=settings["n_bootstrap"],
    confidence=settings["confidence"],
    seed=settings["bootstrap_seed"],
)
table = thresholds.add_d_int90(table, methods, io.read_table(inputs.baseline))
reach = pd.concat(
    [lottery.median_reach_table(methods, settings["epsilons"], metric) for metric in settings["metrics"]],
    ignore_index=True,
)
print(reach.to_string())
for frame, path in ((methods, "methods"), (success, "success"), (table, "thresholds"), (reach, "reach")):
    io.write_table(frame, snakemake.output[path], config=config)
