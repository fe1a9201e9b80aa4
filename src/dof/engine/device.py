"""Where a job computes: the device for training and the threads of torch and the BLAS."""

from __future__ import annotations

import torch


def resolve_device(requested: str) -> str:
    """'auto' picks CUDA when present, else the CPU; anything else is used as given."""
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return requested


def limit_threads(n_threads: int) -> None:
    """Run torch and the BLAS behind numpy/scipy on n_threads (a job's `threads`).

    On a shared machine an oversubscribed BLAS is far slower than one thread (measured: 9x for numpy's QR with 2
    threads on 2 busy cores), so every job pins both."""
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    torch.set_num_threads(n_threads)
    threadpool_limits(n_threads)
