"""Rule solution_geometry: distances of one seed's burn-in points from theta* and the quadratic model's loss there."""

from dof.config import HessianConfig, from_mapping
from dof.engine import io
from dof.engine.data import load_dataset
from dof.engine.device import limit_threads
from dof.engine.network import CHECKPOINT_KEYS
from dof.stages.spectra import solution_geometry

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
data = load_dataset(snakemake.wildcards.dataset, **snakemake.params.data)
seed = int(snakemake.wildcards.seed)
[baseline] = io.load_seed_checkpoints([snakemake.input.baseline], [seed], CHECKPOINT_KEYS)
starts = [io.load_seed_checkpoints([path], [seed], CHECKPOINT_KEYS)[0] for path in snakemake.input.starts]
settings = from_mapping(HessianConfig, snakemake.params.hessian, "theory.hessian")
geometry = solution_geometry(data, baseline, starts, settings)
print(geometry.to_string())
io.write_table(geometry, snakemake.output[0])
