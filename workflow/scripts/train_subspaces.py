"""Rule train_subspaces: one random subspace run per seed of the chunk, written as one table."""

import torch

from dof import experiment, io
from dof.data import load_dataset
from dof.training import SubspaceConfig, config_from

io.redirect_output(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
params, wildcards = snakemake.params, snakemake.wildcards
data = load_dataset(wildcards.dataset, **params.data)
checkpoints = io.load_seed_checkpoints(snakemake.input.checkpoints, params.seeds, experiment.CHECKPOINT_KEYS)
runs = experiment.run_subspaces(
    data,
    checkpoints,
    int(wildcards.d),
    params.subspace["projection"],
    config_from(SubspaceConfig, params.subspace),
    run_config={"data": params.data, "burn_in": params.burn_in, "subspace": params.subspace},
    device=experiment.resolve_device(params.device),
    vmap_runs=params.subspace["vmap_runs"],
)
print(runs.to_string())
io.write_table(runs, snakemake.output[0])
