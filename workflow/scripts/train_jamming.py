"""Rule train_jamming: the runs of one (dataset, depth, P, width) cell for a chunk of seeds, and their test margins."""

from dof.config import JammingConfig, from_mapping
from dof.engine import io
from dof.engine.device import limit_threads, resolve_device
from dof.stages.jamming import run_jamming_chunk

io.redirect_output(snakemake.log[0])
limit_threads(snakemake.threads)
params, wildcards = snakemake.params, snakemake.wildcards
runs, margins = run_jamming_chunk(
    wildcards.dataset,
    int(wildcards.depth),
    int(wildcards.n_train),
    int(wildcards.width),
    params.seeds,
    from_mapping(JammingConfig, params.jamming, "jamming"),
    dict(params.data),
    device=resolve_device(params.device),
)
print(runs.drop(columns=["git_commit", "config_hash"]).to_string())
io.write_table(runs, snakemake.output.runs, config=snakemake.config)
io.write_table(margins, snakemake.output.margins, config=snakemake.config)
