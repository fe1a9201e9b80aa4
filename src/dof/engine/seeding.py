"""Seeds derived from recorded integers, so every random draw has its own reproducible generator."""

from __future__ import annotations

import hashlib

import torch


def derive_seed(purpose: str, *keys: int) -> int:
    """A 63-bit seed determined by a purpose label and integer keys (stable across runs and machines)."""
    text = purpose + ":" + ",".join(str(int(k)) for k in keys)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") >> 1


def generator(seed: int, device: str | torch.device = "cpu") -> torch.Generator:
    """A fresh torch generator seeded with `seed`; never the global one."""
    return torch.Generator(device=device).manual_seed(int(seed))


def init_seed(seed: int) -> int:
    """The seed of a run seed's network initialisation theta_0 (shared by every stage that rebuilds the network)."""
    return derive_seed("init", seed)


def run_seeds(seed: int, d: int, nested: bool = True) -> dict[str, int]:
    """The recorded seeds of a subspace run: network init, burn-in batch order, projection A and batch order.

    A and the batch order never depend on t0, so runs that differ only in t0 share them (common random numbers: the
    burn-in comparison is not blurred by different subspaces). Nested (the default), they do not depend on d either:
    A_d is the first d columns of the seed's one A (projections are nested) and every d sees the same batches, so a
    seed's success is (almost) monotone in d. With nested=False both are drawn afresh for every (seed, d)."""
    dims = () if nested else (d,)
    return {
        "init_seed": init_seed(seed),
        "burn_in_batch_seed": derive_seed("burn-in-batches", seed),
        "subspace_seed": derive_seed("subspace", seed, *dims),
        "batch_seed": derive_seed("subspace-batches", seed, *dims),
    }
