"""Rule pretrain (burn_in.smk, the start points): a source network trained in the full space (the baseline's Adam),
saved as a state_dict that a start takes (`starts[].pretrain`); burn-in counts its t0 steps from there."""

from dof.config import BaselineConfig, from_mapping
from dof.engine import io
from dof.engine.data import load_dataset
from dof.engine.device import limit_threads
from dof.stages.pretrain import pretrained_state

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
source = snakemake.params.source
data = load_dataset(source["dataset"], **source["data"])
config = from_mapping(BaselineConfig, snakemake.params.optimizer, "baseline")
state, summary = pretrained_state(data, source["model"], int(source["seed"]), config)
print(summary, flush=True)
io.save_checkpoint(state, snakemake.output[0])
