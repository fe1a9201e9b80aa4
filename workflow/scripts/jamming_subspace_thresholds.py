"""Rule jamming_subspace_thresholds: P(L = 0) of the subspace runs per (P, d), d*(P) at 50 % and 1 - delta, and
d*(P) beside N*(P) (jamming_dof.parquet)."""

from dof.analysis import jamming
from dof.config import ThresholdsConfig, from_mapping
from dof.engine import io

io.redirect_output(snakemake.log[0])
settings = from_mapping(ThresholdsConfig, snakemake.params.thresholds, "thresholds")
runs = io.read_table(snakemake.input.runs)
thresholds = jamming.subspace_thresholds(
    runs, settings.delta, settings.n_bootstrap, settings.confidence, settings.bootstrap_seed
)
tables = {
    "success": jamming.subspace_success(runs, settings.confidence),
    "thresholds": thresholds,
    "two_ways": jamming.two_ways(io.read_table(snakemake.input.thresholds), thresholds),
}
for name, table in tables.items():
    print(name, table.to_string(), sep="\n")
    io.write_table(table, snakemake.output[name], config=snakemake.config)
