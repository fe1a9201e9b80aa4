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
