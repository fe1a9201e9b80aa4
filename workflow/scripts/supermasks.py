"""Rule supermasks: masks learned over frozen weights at every kept fraction, per seed."""

import pandas as pd

from dof.config import SubspaceConfig, SupermaskConfig, from_mapping
from dof.engine import io
from dof.engine.data import load_dataset
from dof.engine.device import limit_threads, resolve_device
from dof.engine.network import CHECKPOINT_KEYS
from dof.stages.lottery_supermasks import supermasks

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
params = snakemake.params
data = load_dataset(snakemake.wildcards.dataset, **params.data)
config = from_mapping(SupermaskConfig, params.supermask, "lottery.supermask")
subspace = from_mapping(SubspaceConfig, params.subspace, "subspace")
run_config = {"data": params.data, "supermask": params.supermask, "subspace": params.subspace}
starts = io.load_seed_checkpoints(snakemake.input.checkpoints, params.seeds, CHECKPOINT_KEYS)
fractions, device = config.kept_fractions, resolve_device(params.device)
tables = [supermasks(data, start, config, fractions, subspace, run_config, device) for start in starts]
table = pd.concat(tables, ignore_index=True)
print(table.to_string())
io.write_table(table, snakemake.output[0])
