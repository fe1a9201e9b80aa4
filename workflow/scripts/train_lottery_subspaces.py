"""Rule train_lottery_subspaces: one lottery subspace run per seed of the chunk, written as one table."""

from dof.config import SubspaceConfig, from_mapping
from dof.engine import io
from dof.engine.data import load_dataset
from dof.engine.device import limit_threads, resolve_device
from dof.stages.lottery_subspaces import SVD_ARTIFACT_KEYS, run_lottery_subspaces

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
params, wildcards = snakemake.params, snakemake.wildcards
data = load_dataset(wildcards.dataset, **params.data)
artifacts = [io.load_checkpoint(path, SVD_ARTIFACT_KEYS) for path in snakemake.input.svds]
runs = run_lottery_subspaces(
    data,
    artifacts,
    int(wildcards.d),
    from_mapping(SubspaceConfig, params.subspace, "subspace"),
    run_config={"data": params.data, "trajectory": params.trajectory, "subspace": params.subspace},
    device=resolve_device(params.device),
)
print(runs.to_string())
io.write_table(runs, snakemake.output[0])
