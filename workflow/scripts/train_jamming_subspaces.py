"""Rule train_jamming_subspaces: the random subspace runs of one (dataset, P, d) cell for a chunk of seeds."""

from dof.config import JammingConfig, from_mapping
from dof.engine import io
from dof.engine.device import limit_threads, resolve_device
from dof.stages.jamming_subspace import run_subspace_chunk

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
params, wildcards = snakemake.params, snakemake.wildcards
runs = run_subspace_chunk(
    wildcards.dataset,
    int(wildcards.n_train),
    int(wildcards.d),
    params.seeds,
    from_mapping(JammingConfig, params.jamming, "jamming"),
    dict(params.data),
    device=resolve_device(params.device),
)
print(runs[["n_train", "d", "seed", "status", "steps", "n_delta", "train_loss", "wall_time_s"]].to_string())
io.write_table(runs, snakemake.output[0], config=snakemake.config)
