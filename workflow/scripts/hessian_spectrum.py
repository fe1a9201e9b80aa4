"""Rule hessian_spectrum: top eigenvalues, SLQ density, trace and outliers of the Hessian at one checkpoint."""

from dof.config import HessianConfig, from_mapping
from dof.engine import io
from dof.engine.data import load_dataset
from dof.engine.device import limit_threads
from dof.engine.network import CHECKPOINT_KEYS
from dof.stages.spectra import checkpoint_spectrum

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
data = load_dataset(snakemake.wildcards.dataset, **snakemake.params.data)
[checkpoint] = io.load_seed_checkpoints(snakemake.input, [int(snakemake.wildcards.seed)], CHECKPOINT_KEYS)
spectrum = checkpoint_spectrum(
    data, checkpoint, from_mapping(HessianConfig, snakemake.params.hessian, "theory.hessian")
)
print(spectrum.drop(columns=["density_grid", "density", "slq_nodes", "slq_weights", "slq_probe"]).T.to_string())
io.write_table(spectrum, snakemake.output[0])
