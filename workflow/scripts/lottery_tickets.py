"""Rule lottery_tickets: iterative and one-shot magnitude-pruned tickets at every kept fraction, per seed."""

import pandas as pd

from dof.config import SubspaceConfig, TicketConfig, from_mapping
from dof.engine import io
from dof.engine.data import load_dataset
from dof.engine.device import limit_threads
from dof.engine.network import CHECKPOINT_KEYS
from dof.stages.lottery_tickets import lottery_tickets

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
params = snakemake.params
data = load_dataset(snakemake.wildcards.dataset, **params.data)
config = from_mapping(TicketConfig, params.tickets, "lottery.tickets")
subspace = from_mapping(SubspaceConfig, params.subspace, "subspace")
run_config = {"data": params.data, "tickets": params.tickets, "subspace": params.subspace}
starts = io.load_seed_checkpoints(snakemake.input.checkpoints, params.seeds, CHECKPOINT_KEYS)
table = pd.concat([lottery_tickets(data, start, config, subspace, run_config) for start in starts], ignore_index=True)
print(table.to_string())
io.write_table(table, snakemake.output[0])
