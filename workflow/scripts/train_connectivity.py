"""Rule train_connectivity: the mean-field networks of one (dataset, depth, width) cell for a chunk of seeds."""

from dof.config import ConnectivityConfig, from_mapping
from dof.engine import io
from dof.engine.device import limit_threads, resolve_device
from dof.stages.connectivity import run_training_chunk

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
params, wildcards = snakemake.params, snakemake.wildcards
runs, checkpoints = run_training_chunk(
    wildcards.dataset,
    int(wildcards.depth),
    int(wildcards.width),
    params.seeds,
    from_mapping(ConnectivityConfig, params.connectivity, "connectivity"),
    dict(params.data),
    device=resolve_device(params.device),
    halves=list(params.halves) or None,
)
print(runs.drop(columns=["git_commit", "config_hash"]).to_string())
io.save_checkpoints(checkpoints, snakemake.output.weights)
io.write_table(runs, snakemake.output.runs, config=snakemake.config)
