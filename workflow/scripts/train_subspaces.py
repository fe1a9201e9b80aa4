"""Rule train_subspaces: one random subspace run per seed of the chunk, written as one table."""

from dof.config import SubspaceConfig, from_mapping
from dof.engine import io
from dof.engine.data import load_dataset
from dof.engine.device import limit_threads, resolve_device
from dof.engine.network import CHECKPOINT_KEYS
from dof.stages.subspace_runs import run_subspaces

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
params, wildcards = snakemake.params, snakemake.wildcards
data = load_dataset(wildcards.dataset, **params.data)
checkpoints = io.load_seed_checkpoints(snakemake.input.checkpoints, params.seeds, CHECKPOINT_KEYS)
runs = run_subspaces(
    data,
    checkpoints,
    int(wildcards.d),
    from_mapping(SubspaceConfig, params.subspace, "subspace"),
    run_config={"data": params.data, "burn_in": params.burn_in, "subspace": params.subspace},
    device=resolve_device(params.device),
)
print(runs.to_string())
io.write_table(runs, snakemake.output[0])
