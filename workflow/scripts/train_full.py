"""Rule train_full: the fully trained solution theta* of one seed (full-space Adam from theta_0)."""

from dof import experiment, io, theory
from dof.data import load_dataset
from dof.training import SubspaceConfig, config_from

io.redirect_output(snakemake.log[0])
theory.limit_threads(snakemake.threads)
data = load_dataset(snakemake.wildcards.dataset, **snakemake.params.data)
[start] = io.load_seed_checkpoints(snakemake.input, [int(snakemake.wildcards.seed)], experiment.CHECKPOINT_KEYS)
solution = experiment.solution(data, start, config_from(SubspaceConfig, snakemake.params.optimizer))
print({key: value for key, value in solution.items() if key != "theta"})
io.save_checkpoint(solution, snakemake.output[0])
