"""Rule connectivity_cell: dropout gaps of every run and barriers along both paths of every pair of one cell."""

from dof.config import ConnectivityConfig, from_mapping
from dof.engine import io
from dof.engine.device import limit_threads
from dof.stages.connectivity import run_geometry_cell

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
params = snakemake.params
checkpoints = io.load_seed_checkpoints(list(snakemake.input), list(params.seeds), required=("weights",))
dropout, barriers, paths = run_geometry_cell(
    checkpoints,
    snakemake.wildcards.dataset,
    from_mapping(ConnectivityConfig, params.connectivity, "connectivity"),
    dict(params.data),
)
print(barriers.to_string())
for name, table in {"dropout": dropout, "barriers": barriers, "paths": paths}.items():
    io.write_table(table, snakemake.output[name], config=snakemake.config)
