"""Rule hessian_spectrum: top eigenvalues, SLQ density, trace and outliers of the Hessian at one checkpoint."""

from dof import experiment, io, theory
from dof.data import load_dataset

io.redirect_output(snakemake.log[0])
theory.limit_threads(snakemake.threads)
data = load_dataset(snakemake.wildcards.dataset, **snakemake.params.data)
[checkpoint] = io.load_seed_checkpoints(snakemake.input, [int(snakemake.wildcards.seed)], experiment.CHECKPOINT_KEYS)
spectrum = theory.checkpoint_spectrum(data, checkpoint, snakemake.params.hessian)
print(spectrum.drop(columns=["density_grid", "density", "slq_nodes", "slq_weights", "slq_probe"]).T.to_string())
io.write_table(spectrum, snakemake.output[0])
