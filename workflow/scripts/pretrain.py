"""Rule pretrain: the burn-in checkpoint of one (dataset, model, t0, seed)."""

import torch

from dof import experiment, io
from dof.data import load_dataset
from dof.training import BurnInConfig, config_from

io.redirect_output(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
wildcards = snakemake.wildcards
data = load_dataset(wildcards.dataset, **snakemake.params.data)
checkpoint = experiment.pretrain(
    data, wildcards.model, int(wildcards.seed), int(wildcards.t0), config_from(BurnInConfig, snakemake.params.burn_in)
)
print(f"theta_t0: D={checkpoint['n_params']}, train_acc={checkpoint['train_acc']:.4f}")
io.save_checkpoint(checkpoint, snakemake.output[0])
