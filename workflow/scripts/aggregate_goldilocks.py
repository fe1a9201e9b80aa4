"""Rule aggregate_goldilocks: the run chunks into goldilocks_runs.parquet (checked against the grid), P_s per
(init_scale, d, metric, epsilon), the section curvature per (init_scale, d) and the peak of P_s in r per d."""

from dof.analysis import goldilocks, records
from dof.engine import io

io.redirect_output(snakemake.log[0])
params = snakemake.params
runs = goldilocks.aggregate_goldilocks(
    [io.read_table(path) for path in snakemake.input], records.expected_grid(params.expected)
)
success = goldilocks.goldilocks_success(
    runs, params.thresholds["epsilons"], params.thresholds["metrics"], params.thresholds["confidence"]
)
sections = goldilocks.goldilocks_curvature(runs)
peaks = goldilocks.goldilocks_peaks(success)
print(sections.to_string(), peaks[peaks["epsilon"] == params.epsilon].to_string(), sep="\n\n")
output = snakemake.output
for table, path in (
    (runs, output.runs),
    (success, output.success),
    (sections, output.curvature),
    (peaks, output.peaks),
):
    io.write_table(table, path, config=snakemake.config)
