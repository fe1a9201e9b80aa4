"""Rule solution_geometry: distances of one seed's burn-in points from theta* and the quadratic model's loss there."""

from dof import experiment, io, theory
from dof.data import load_dataset

io.redirect_output(snakemake.log[0])
theory.limit_threads(snakemake.threads)
data = load_dataset(snakemake.wildcards.dataset, **snakemake.params.data)
seed = int(snakemake.wildcards.seed)
[solution] = io.load_seed_checkpoints([snakemake.input.solution], [seed], experiment.CHECKPOINT_KEYS)
starts = [io.load_seed_checkpoints([path], [seed], experiment.CHECKPOINT_KEYS)[0] for path in snakemake.input.starts]
geometry = theory.solution_geometry(data, solution, starts, snakemake.params.hessian)
print(geometry.to_string())
io.write_table(geometry, snakemake.output[0])
