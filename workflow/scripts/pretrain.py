"""Rule pretrain: the burn-in checkpoints of one (dataset, model, t0) for a chunk of seeds, in one file."""

import torch

from dof import experiment, io
from dof.data import load_dataset
from dof.training import BurnInConfig, config_from

io.redirect_output(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
wildcards, params = snakemake.wildcards, snakemake.params
data = load_dataset(wildcards.dataset, **params.data)
config = config_from(BurnInConfig, params.burn_in)
checkpoints = []
for seed in params.seeds:
    checkpoints.append(experiment.pretrain(data, wildcards.model, seed, int(wildcards.t0), config))
    print(f"seed {seed}: theta_t0 D={checkpoints[-1]['n_params']}, train_acc={checkpoints[-1]['train_acc']:.4f}")
io.save_checkpoints(checkpoints, snakemake.output[0])
