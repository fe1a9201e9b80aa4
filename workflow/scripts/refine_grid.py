"""Checkpoint refine_grid (subspace stage): one refinement round, the new d of every (dataset, model, t0) curve where
P_s of a refined (metric, epsilon) crosses a configured level inside a bracket wider than the target resolution."""

import pandas as pd

from dof.analysis import refinement, thresholds
from dof.config import ThresholdsConfig, from_mapping
from dof.engine import io

io.redirect_output(snakemake.log[0])
settings = from_mapping(ThresholdsConfig, snakemake.params.thresholds, "thresholds")
runs = pd.concat([io.read_table(path) for path in snakemake.input], ignore_index=True)
refine = settings.refine
epsilons, metrics = refine.epsilons or settings.epsilons, refine.metrics or settings.metrics
chosen = thresholds.success_table(runs, list(epsilons), list(metrics), settings.confidence)  # the refined curves
cells = refinement.refined_cells(
    chosen, refine.levels, settings.delta, refine.resolution, int(snakemake.wildcards.round)
)
curves = chosen[["metric", "epsilon"]].drop_duplicates()
print(f"round {snakemake.wildcards.round}: {len(runs)} runs read, {len(curves)} refined (metric, epsilon) curves")
print(f"{len(cells)} new (dataset, model, t0, d) cells")
print(cells.to_string())
io.write_table(cells, snakemake.output[0], config=snakemake.config)
