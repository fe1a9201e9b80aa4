"""Rule trajectory_svd: one seed's full training trajectory from theta_0 and its top singular vectors."""

import torch

from dof import experiment, io, lottery
from dof.data import load_dataset

io.redirect_output(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
params = snakemake.params
settings = params.trajectory
config = lottery.TrajectoryConfig(
    steps=settings["trajectory_steps"],
    record_every=settings["record_every"],
    lr=settings["lr"],
    momentum=settings["momentum"],
    batch_size=settings["batch_size"],
)
data = load_dataset(snakemake.wildcards.dataset, **params.data)
[start] = io.load_seed_checkpoints(snakemake.input, [int(snakemake.wildcards.seed)], experiment.CHECKPOINT_KEYS)
trajectory, artifact = lottery.trajectory_svd(data, start, config, settings["svd"], settings["svd_rank"])
print({key: value for key, value in artifact.items() if key not in ("basis", "theta_start")})
io.save_checkpoint({"increments": trajectory, "seed": artifact["seed"], **config.__dict__}, snakemake.output.trajectory)
io.save_checkpoint(artifact, snakemake.output.svd)
