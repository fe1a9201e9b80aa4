"""Rule train_lottery_subspaces: phi trained from 0 in the d-dimensional lottery subspace of each seed of a chunk."""

import torch

from dof import experiment, io, lottery
from dof.data import load_dataset
from dof.training import SubspaceConfig, config_from

io.redirect_output(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
params, wildcards = snakemake.params, snakemake.wildcards
data = load_dataset(wildcards.dataset, **params.data)
artifacts = [io.load_checkpoint(path, lottery.SVD_ARTIFACT_KEYS) for path in snakemake.input.svds]
runs = lottery.run_lottery_subspaces(
    data,
    artifacts,
    int(wildcards.d),
    config_from(SubspaceConfig, params.subspace),
    run_config={"data": params.data, "trajectory": params.trajectory, "subspace": params.subspace},
    device=experiment.resolve_device(params.device),
)
print(runs.to_string())
io.write_table(runs, snakemake.output[0])
