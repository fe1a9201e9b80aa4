"""Rule jamming_thresholds: P(L = 0) per (P, N), N*(P) at 50 % and 1 - delta, c0 = N*/P, a per-cell summary."""

from dof.analysis import jamming
from dof.config import ThresholdsConfig, from_mapping
from dof.engine import io

io.redirect_output(snakemake.log[0])
settings = from_mapping(ThresholdsConfig, snakemake.params.thresholds, "thresholds")
runs = io.read_table(snakemake.input[0])
tables = {
    "success": jamming.success(runs, settings.confidence),
    "thresholds": jamming.thresholds(
        runs, settings.delta, settings.n_bootstrap, settings.confidence, settings.bootstrap_seed
    ),
    "c0": jamming.c0_table(runs, settings.delta, settings.confidence),
    "summary": jamming.run_summary(runs),
}
for name, table in tables.items():
    print(name, table.to_string(), sep="\n")
    io.write_table(table, snakemake.output[name], config=snakemake.config)
