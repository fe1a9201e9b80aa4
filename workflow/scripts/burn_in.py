"""Rule burn_in: the burn-in checkpoints theta_t0 of one (dataset, model, start, t0) for a chunk of seeds, in one
file; a checkpoint start's weights (its input file) replace theta_0 before the t0 steps."""

from dof.config import BurnInConfig, from_mapping
from dof.engine import io
from dof.engine.data import load_dataset
from dof.engine.device import limit_threads
from dof.engine.plugins import file_sha256, load_state_dict
from dof.stages.burn_in import StartPoint, burn_in_checkpoint

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
wildcards, params = snakemake.wildcards, snakemake.params
data = load_dataset(wildcards.dataset, **params.data)
config = from_mapping(BurnInConfig, params.burn_in, "burn_in")
start = None
if len(snakemake.input):
    path = snakemake.input[0]
    name, reinit = (
        (params.start, ()) if isinstance(params.start, str) else (params.start["name"], params.start["reinit"])
    )
    start = StartPoint(name, load_state_dict(path), file_sha256(path), tuple(reinit))
    print(f"start {name}: {path}, SHA-256 {start.sha256}, re-drawn {list(reinit)}", flush=True)
checkpoints = []
for seed in params.seeds:
    checkpoints.append(burn_in_checkpoint(data, params.model, seed, int(wildcards.t0), config, start))
    print(
        f"seed {seed}: D={checkpoints[-1]['n_params']}, {checkpoints[-1]['status']}, "
        f"train_acc={checkpoints[-1]['train_acc']:.4f}",
        flush=True,
    )
io.save_checkpoints(checkpoints, snakemake.output[0])
