"""Rule trajectory_svd: one seed's full training trajectory from theta_0 and its top singular vectors."""

from dof.config import BurnInConfig, LotteryConfig, from_mapping
from dof.engine import io
from dof.engine.data import load_dataset
from dof.engine.device import limit_threads
from dof.engine.network import CHECKPOINT_KEYS
from dof.stages.lottery_subspaces import trajectory_svd

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
params = snakemake.params
lottery = from_mapping(LotteryConfig, params.trajectory, "lottery")
sgd = from_mapping(BurnInConfig, params.burn_in, "burn_in")
data = load_dataset(snakemake.wildcards.dataset, **params.data)
[start] = io.load_seed_checkpoints(snakemake.input, [int(snakemake.wildcards.seed)], CHECKPOINT_KEYS)
trajectory, artifact = trajectory_svd(data, start, lottery, sgd)
print({key: value for key, value in artifact.items() if key not in ("basis", "theta_start", "buffers")})
io.save_checkpoint(
    {"increments": trajectory, "seed": artifact["seed"], **artifact["trajectory"]}, snakemake.output.trajectory
)
io.save_checkpoint(artifact, snakemake.output.svd)
