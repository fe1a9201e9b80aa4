"""Rule lottery_tickets: iterative and one-shot magnitude-pruned tickets at every kept fraction, per seed."""

import pandas as pd
import torch

from dof import experiment, io, lottery
from dof.data import load_dataset
from dof.training import SubspaceConfig, config_from

io.redirect_output(snakemake.log[0])
torch.set_num_threads(snakemake.threads)
params = snakemake.params
data = load_dataset(snakemake.wildcards.dataset, **params.data)
settings = {key: tuple(value) if isinstance(value, list) else value for key, value in params.tickets.items()}
config = config_from(lottery.TicketConfig, settings)
subspace = config_from(SubspaceConfig, params.subspace)
run_config = {"data": params.data, "tickets": params.tickets, "subspace": params.subspace}
tables = []
for start in io.load_seed_checkpoints(snakemake.input.checkpoints, params.seeds, experiment.CHECKPOINT_KEYS):
    tables.append(lottery.lottery_tickets(data, start, config, subspace, run_config))
    print(tables[-1][["method", "kept_fraction", "d", "status", "train_acc", "test_acc"]].to_string())
io.write_table(pd.concat(tables, ignore_index=True), snakemake.output[0])
