"""Rule gradient_confinement: the gradient's share of the top-k Hessian eigenspace at every burn-in checkpoint of a
seed."""

import pandas as pd

from dof.config import ConfinementConfig, from_mapping
from dof.engine import io
from dof.engine.data import load_dataset
from dof.engine.device import limit_threads, resolve_device
from dof.engine.network import CHECKPOINT_KEYS
from dof.stages.confinement import checkpoint_confinement

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
wildcards, params = snakemake.wildcards, snakemake.params
data = load_dataset(wildcards.dataset, **params.data)
settings = from_mapping(ConfinementConfig, params.confinement, "confinement")
device = resolve_device(params.device)
frames = []
for path in snakemake.input:
    [checkpoint] = io.load_seed_checkpoints([path], [int(wildcards.seed)], CHECKPOINT_KEYS)
    frames.append(checkpoint_confinement(data, checkpoint, settings, device))
    print(frames[-1][["step", "k", "overlap", "random_overlap", "lambda_max", "wall_time_s"]].to_string(), flush=True)
io.write_table(pd.concat(frames, ignore_index=True), snakemake.output[0])
