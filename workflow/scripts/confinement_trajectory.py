"""Rule confinement_trajectory: the gradient's share of the top-k Hessian eigenspace along the burn-in's SGD from a
seed's theta_0, at confinement.trajectory_steps."""

from dof.config import BurnInConfig, ConfinementConfig, from_mapping
from dof.engine import io
from dof.engine.data import load_dataset
from dof.engine.device import limit_threads, resolve_device
from dof.stages.confinement import trajectory_confinement

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
wildcards, params = snakemake.wildcards, snakemake.params
data = load_dataset(wildcards.dataset, **params.data)
table = trajectory_confinement(
    data,
    params.model,
    int(wildcards.seed),
    params.steps,
    from_mapping(BurnInConfig, params.burn_in, "burn_in"),
    from_mapping(ConfinementConfig, params.confinement, "confinement"),
    device=resolve_device(params.device),
)
print(table[["step", "k", "overlap", "random_overlap", "lambda_max", "wall_time_s"]].to_string())
io.write_table(table, snakemake.output[0])
