"""Rule goldilocks_runs: the chunk's seeds, each in its random subspace of dimension d through r theta_0, with the
curvature of the section for the first goldilocks.curvature_seeds seeds, written as one table."""

from dof.config import GoldilocksConfig, SubspaceConfig, from_mapping
from dof.engine import io
from dof.engine.data import load_dataset
from dof.engine.device import limit_threads, resolve_device
from dof.engine.network import CHECKPOINT_KEYS
from dof.stages.goldilocks import goldilocks_runs

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
params, wildcards = snakemake.params, snakemake.wildcards
data = load_dataset(wildcards.dataset, **params.data)
checkpoints = io.load_seed_checkpoints(snakemake.input.checkpoints, params.seeds, CHECKPOINT_KEYS)
runs = goldilocks_runs(
    data,
    checkpoints,
    float(wildcards.init_scale),
    int(wildcards.d),
    from_mapping(SubspaceConfig, params.subspace, "subspace"),
    from_mapping(GoldilocksConfig, params.goldilocks, "goldilocks"),
    run_config={"data": params.data, "burn_in": params.burn_in, "subspace": params.subspace},
    curvature_seeds=params.curvature_seeds,
    device=resolve_device(params.device),
)
print(runs.to_string())
io.write_table(runs, snakemake.output[0])
