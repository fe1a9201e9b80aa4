"""Rule train_baseline: the full-model baseline theta* of one seed (every weight trained from theta_0)."""

from dof.config import BaselineConfig, from_mapping
from dof.engine import io
from dof.engine.data import load_dataset
from dof.engine.device import limit_threads
from dof.engine.network import CHECKPOINT_KEYS
from dof.stages.baseline import train_baseline

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
data = load_dataset(snakemake.wildcards.dataset, **snakemake.params.data)
[start] = io.load_seed_checkpoints(snakemake.input, [int(snakemake.wildcards.seed)], CHECKPOINT_KEYS)
baseline = train_baseline(data, start, from_mapping(BaselineConfig, snakemake.params.optimizer, "baseline"))
print({key: value for key, value in baseline.items() if key not in ("theta", "buffers")})
io.save_checkpoint(baseline, snakemake.output[0])
