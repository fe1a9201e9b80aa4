"""The engine every stage shares: data, models, projections, subspaces, one training loop, restoring networks."""
