"""Random projections A (D x d) mapping subspace coordinates phi to weight offsets A phi.

Three random kinds, seeded from one recorded integer and all differentiable (calling a projection is a torch op whose
backward pass is A^T g):

* ``dense``: the authors' projection, i.i.d. N(0, 1) entries with every column scaled to unit norm over all D
  entries. A is defined block by block: columns [32 k, 32 k + 32) ("block k") are drawn from their own generator,
  seeded ``derive_seed("projection/dense", seed, k)``, as a (width x D) standard normal array whose rows (= columns of
  A) are then divided by their exact norms. When D * d * 4 bytes fits in ``memory_budget`` the blocks are stored;
  otherwise they are regenerated from their seeds on every forward and backward pass, ``chunk_columns`` columns at
  a time. Both modes reduce block by block in the same order with the same kernels, so they give bitwise identical
  results for any chunk size.
* ``sparse``: ``nnz_per_column`` non-zeros per column (default min(D, 8192), as the authors) at distinct, uniformly
  random rows, N(0, 1) values scaled to unit column norm; stored twice as int32 CSR (A for the forward pass, A^T for
  the backward pass).
* ``fastfood``: Li et al.'s Fastfood transform over the whole network, O(D log D) time and O(D) memory; see
  `FastfoodProjection` for the scaling.

Every random kind is nested: for one seed, A_d is the first d columns of A_d' for every d < d' (blocks are drawn
whole and cut to d; Fastfood's column i is the transform of the padding's coordinate i), so with a d-free seed
(`seeding.run_seeds(..., nested=True)`) a seed's subspaces grow with d and runs at different d share random numbers.

A fourth kind is not random: ``lottery``, the top singular vectors of a training trajectory (`TrajectoryProjection`).
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import torch
from torch.autograd.function import once_differentiable

from dof.engine.seeding import derive_seed, generator

DENSE_BLOCK_COLUMNS = 32
"""Columns of the dense A drawn from one generator; part of the definition of A, independent of any chunking."""

DENSE_MEMORY_BUDGET = 512 * 2**20
"""Default budget (bytes) for storing the dense A: Conv-2 (D = 20,490) at d = 4096 needs 336 MB and stays stored."""

DENSE_CHUNK_BYTES = 64 * 2**20
"""Default size of the columns regenerated at once by a chunked dense projection (rounded to whole blocks)."""

SPARSE_BLOCK_COLUMNS = 256
"""Columns of the sparse A drawn from one generator."""

SPARSE_NNZ_PER_COLUMN = 8192
"""The authors' default number of non-zeros per column of the sparse A (capped at D)."""

HADAMARD_MAX_FACTOR = 32
"""Largest dense Hadamard factor used by `walsh_hadamard`: n = 2^19 becomes 32 x 32 x 32 x 16, the fastest split
measured on this project's CPU (benchmarks/projections.py)."""


class Projection(Protocol):
    """A linear map R^d -> R^D; calling it is differentiable, so autograd yields A^T g for the backward pass."""

    kind: str
    n_params: int
    dim: int
    seed: int

    def __call__(self, phi: torch.Tensor) -> torch.Tensor: ...

    def describe(self) -> dict[str, Any]: ...


def _check_sizes(n_params: int, dim: int) -> tuple[int, int]:
    n_params, dim = int(n_params), int(dim)
    if n_params < 1 or dim < 1:
        raise ValueError(f"a projection needs D >= 1 and d >= 1, got D={n_params}, d={dim}")
    return n_params, dim


def _identity(projection: Any) -> dict[str, Any]:
    """The keys every projection's description starts with: its kind, D, d and seed."""
    return {"kind": projection.kind, "n_params": projection.n_params, "dim": projection.dim, "seed": projection.seed}


def _as_rows(phi: torch.Tensor, dim: int) -> torch.Tensor:
    """phi (..., d) as a (batch, d) matrix."""
    if phi.shape[-1] != dim:
        raise ValueError(f"phi has trailing size {phi.shape[-1]}, the projection expects d = {dim}")
    return phi.reshape(-1, dim)


_executors: dict[int, ThreadPoolExecutor] = {}


def _map_threads(fn, items: list, parallel: bool = True) -> list:
    """map(fn, items) on a small thread pool (torch ops release the GIL); serial when one thread suffices."""
    workers = min(len(items), torch.get_num_threads(), os.cpu_count() or 1) if parallel else 1
    if workers <= 1:
        return [fn(item) for item in items]
    if workers not in _executors:
        _executors[workers] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dof-projection")
    return list(_executors[workers].map(fn, items))


# --------------------------------------------------------------------------------------------------------------------
# dense


class _Project(torch.autograd.Function):
    """A phi for any projection through its `forward_rows` ((batch, d) -> (batch, D)); the backward pass computes
    A^T g directly through its `backward_rows` ((batch, D) -> (batch, d)), never through A's autograd graph."""

    @staticmethod
    def forward(phi: torch.Tensor, projection: DenseProjection | SparseProjection | FastfoodProjection) -> torch.Tensor:
        out = projection.forward_rows(_as_rows(phi, projection.dim))
        return out.reshape(*phi.shape[:-1], projection.n_params)

    @staticmethod
    def setup_context(ctx, inputs: tuple, output: torch.Tensor) -> None:
        ctx.projection = inputs[1]

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        projection = ctx.projection
        out = projection.backward_rows(grad.reshape(-1, projection.n_params))
        return out.reshape(*grad.shape[:-1], projection.dim), None


class DenseProjection:
    """The authors' projection: i.i.d. N(0, 1) entries, each column scaled to unit norm over the whole network.

    Stored (as A^T, d x D) when D * d * 4 bytes <= memory_budget, regenerated from the block seeds otherwise
    (``mode`` forces one or the other). ``chunk_columns`` sets how many columns a chunked projection materialises at
    once (rounded up to whole blocks of DENSE_BLOCK_COLUMNS; blocks of a chunk are drawn in parallel threads); it
    changes memory and speed, never the result: forward and backward run the same per-block matmuls in block order
    on stored views or regenerated blocks (both 64-byte aligned, since a block starts at a multiple of 32 D floats).
    The realised A depends on the device's random stream (CPU vs CUDA).
    """

    kind = "dense"

    def __init__(
        self,
        n_params: int,
        dim: int,
        seed: int,
        device: str | torch.device = "cpu",
        memory_budget: int = DENSE_MEMORY_BUDGET,
        chunk_columns: int | None = None,
        mode: str = "auto",
    ):
        self.n_params, self.dim = _check_sizes(n_params, dim)
        self.seed, self.device = int(seed), torch.device(device)
        self.memory_budget = int(memory_budget)
        self.n_blocks = math.ceil(self.dim / DENSE_BLOCK_COLUMNS)
        if chunk_columns is None:
            chunk_columns = DENSE_CHUNK_BYTES // (4 * self.n_params)
        self.blocks_per_chunk = max(1, math.ceil(int(chunk_columns) / DENSE_BLOCK_COLUMNS))
        if mode == "auto":
            mode = "stored" if self.nbytes <= self.memory_budget else "chunked"
        if mode not in ("stored", "chunked"):
            raise ValueError(f"dense projection mode must be 'auto', 'stored' or 'chunked', not {mode!r}")
        self.mode = mode
        self._rows: torch.Tensor | None = None
        if mode == "stored":
            rows = torch.empty(self.dim, self.n_params, device=self.device)
            for start, block in self._generated_blocks():
                rows[start : start + block.shape[0]].copy_(block)
            self._rows = rows

    @property
    def nbytes(self) -> int:
        """Size of A in float32."""
        return 4 * self.n_params * self.dim

    @property
    def chunk_columns(self) -> int:
        return self.blocks_per_chunk * DENSE_BLOCK_COLUMNS

    def block_seed(self, k: int) -> int:
        return derive_seed("projection/dense", self.seed, k)

    def _raw_block(self, k: int) -> torch.Tensor:
        """Block k before normalisation: N(0, 1) rows for the columns [32 k, 32 k + 32) of A (width x D). The whole
        block is always drawn and the last one cut to d, so A_d is the first d columns of A_d' for every d < d'."""
        width = min(DENSE_BLOCK_COLUMNS, self.dim - k * DENSE_BLOCK_COLUMNS)
        gen = generator(self.block_seed(k), self.device)
        return torch.randn(DENSE_BLOCK_COLUMNS, self.n_params, generator=gen, device=self.device)[:width]

    def _generated_blocks(self) -> Iterator[tuple[int, torch.Tensor]]:
        """Blocks regenerated from their seeds, one chunk at a time; the draws of a chunk run in parallel threads
        (each block has its own generator), the normalisation in the calling thread so its reduction never depends
        on the chunking."""
        for first in range(0, self.n_blocks, self.blocks_per_chunk):
            ids = list(range(first, min(first + self.blocks_per_chunk, self.n_blocks)))
            raw = _map_threads(self._raw_block, ids, parallel=self.device.type == "cpu")
            raw.reverse()
            for k in ids:
                block = raw.pop()  # drop our references as we go: at most one chunk is alive at a time
                yield k * DENSE_BLOCK_COLUMNS, block.div_(block.norm(dim=1, keepdim=True))
                del block

    def blocks(self) -> Iterator[tuple[int, torch.Tensor]]:
        """(first column, block of A^T rows) in block order: views of the stored A^T, or freshly regenerated."""
        if self._rows is None:
            yield from self._generated_blocks()
        else:
            for start in range(0, self.dim, DENSE_BLOCK_COLUMNS):
                yield start, self._rows[start : start + DENSE_BLOCK_COLUMNS]

    @property
    def rows(self) -> torch.Tensor:
        """A^T (d x D): the stored tensor, or materialised from the blocks in chunked mode."""
        if self._rows is not None:
            return self._rows
        rows = torch.empty(self.dim, self.n_params, device=self.device)
        for start, block in self._generated_blocks():
            rows[start : start + block.shape[0]].copy_(block)
        return rows

    @property
    def matrix(self) -> torch.Tensor:
        """A itself (D x d), a view for tests and analysis."""
        return self.rows.T

    def __call__(self, phi: torch.Tensor) -> torch.Tensor:
        return _Project.apply(phi, self)

    def forward_rows(self, rows: torch.Tensor) -> torch.Tensor:
        """A phi for a (batch, d) matrix, accumulated block by block in block order."""
        out = rows.new_zeros(rows.shape[0], self.n_params)
        for start, block in self.blocks():
            out.addmm_(rows[:, start : start + block.shape[0]], block)
        return out

    def backward_rows(self, g: torch.Tensor) -> torch.Tensor:
        """A^T g for a (batch, D) matrix, block by block."""
        out = g.new_empty(g.shape[0], self.dim)
        for start, block in self.blocks():
            out[:, start : start + block.shape[0]] = g @ block.T
        return out

    def describe(self) -> dict[str, Any]:
        return {
            **_identity(self),
            "mode": self.mode,
            "memory_budget": self.memory_budget,
            "block_columns": DENSE_BLOCK_COLUMNS,
            "chunk_columns": self.chunk_columns,
            "device": self.device.type,
        }


# --------------------------------------------------------------------------------------------------------------------
# sparse


def _subset_mask(n_rows: int, k: int, n_cols: int, gen: torch.Generator) -> torch.Tensor:
    """(n_cols, n_rows) bool: each row marks a uniformly random k-subset of range(n_rows) (for k <= n_rows / 2).

    Draws uniform candidates, exactly as many as each row still lacks, and marks them until k are marked; this is
    sampling with replacement until k distinct values are seen, whose set is a uniform k-subset.
    """
    mask = torch.zeros(n_cols, n_rows, dtype=torch.bool)
    flat = mask.view(-1)
    missing = torch.full((n_cols,), k, dtype=torch.int64)
    while (total := int(missing.sum())) > 0:
        cols = torch.repeat_interleave(torch.arange(n_cols), missing)
        keys = torch.unique(cols * n_rows + torch.randint(0, n_rows, (total,), generator=gen))
        keys = keys[~flat[keys]]  # distinct candidates not yet marked
        flat[keys] = True
        missing -= torch.bincount(keys // n_rows, minlength=n_cols)
    return mask


def _distinct_sorted(n_rows: int, k: int, n_cols: int, gen: torch.Generator) -> torch.Tensor:
    """(n_cols, k) int64: in each row, a uniformly random k-subset of range(n_rows), ascending.

    Dense subsets (k >= n_rows / 64) go through a membership mask (`_subset_mask`, of the complement when
    k > n_rows / 2); sparse ones draw with replacement, sort and redraw the duplicates until none are left (again
    sampling until k distinct values are seen).
    """
    if k == n_rows:
        return torch.arange(n_rows).expand(n_cols, k).clone()
    if 2 * k > n_rows:
        return (~_subset_mask(n_rows, n_rows - k, n_cols, gen)).nonzero()[:, 1].view(n_cols, k)
    if 64 * k >= n_rows:
        return _subset_mask(n_rows, k, n_cols, gen).nonzero()[:, 1].view(n_cols, k)
    idx = torch.randint(0, n_rows, (n_cols, k), generator=gen)
    while True:
        idx = idx.sort(dim=1).values
        dup = torch.zeros_like(idx, dtype=torch.bool)
        dup[:, 1:] = idx[:, 1:] == idx[:, :-1]
        n_dup = int(dup.sum())
        if n_dup == 0:
            return idx
        idx[dup] = torch.randint(0, n_rows, (n_dup,), generator=gen)


class SparseProjection:
    """nnz_per_column non-zeros per column at distinct uniform rows, N(0, 1) values, columns scaled to unit norm.

    Columns [256 k, 256 k + 256) are drawn from the generator seeded ``derive_seed("projection/sparse", seed, k)``
    (on the CPU, so A does not depend on the device): first the rows, then the values. A and A^T are both kept as
    CSR with int32 indices (int64 beyond 2^31 non-zeros): 16 bytes per non-zero in all, e.g. 670 MB for Conv-2 at
    d = D / 4 with the default 8192 per column. Works with autograd, not under torch.func transforms (torch's
    sparse matmul does not take their wrapped tensors).
    """

    kind = "sparse"

    def __init__(
        self,
        n_params: int,
        dim: int,
        seed: int,
        device: str | torch.device = "cpu",
        nnz_per_column: int = SPARSE_NNZ_PER_COLUMN,
    ):
        self.n_params, self.dim = _check_sizes(n_params, dim)
        self.seed, self.device = int(seed), torch.device(device)
        if int(nnz_per_column) < 1:
            raise ValueError(f"nnz_per_column must be >= 1, got {nnz_per_column}")
        self.nnz_per_column = k = min(int(nnz_per_column), self.n_params)
        nnz = self.dim * k
        index_dtype = torch.int32 if nnz < 2**31 - 1 else torch.int64
        row_idx = torch.empty(self.dim, k, dtype=index_dtype)
        values = torch.empty(self.dim, k)
        for first in range(0, self.dim, SPARSE_BLOCK_COLUMNS):
            # The whole block is drawn and cut to d, so A_d is the first d columns of A_d' for every d < d'.
            width = min(SPARSE_BLOCK_COLUMNS, self.dim - first)
            gen = generator(derive_seed("projection/sparse", self.seed, first // SPARSE_BLOCK_COLUMNS))
            row_idx[first : first + width] = _distinct_sorted(self.n_params, k, SPARSE_BLOCK_COLUMNS, gen)[:width]
            vals = torch.randn(SPARSE_BLOCK_COLUMNS, k, generator=gen)[:width]
            values[first : first + width] = vals / vals.norm(dim=1, keepdim=True)
        # A^T (d x D): one row per column of A, row indices already ascending.
        at_crow = torch.arange(0, nnz + 1, k, dtype=index_dtype)
        flat_rows, flat_values = row_idx.view(-1), values.view(-1)
        # A (D x d): entries sorted by row, stably, so the columns of each row stay ascending.
        order = torch.argsort(flat_rows, stable=True)
        a_crow = torch.zeros(self.n_params + 1, dtype=torch.int64)
        a_crow[1:] = torch.bincount(flat_rows, minlength=self.n_params).cumsum(0)
        a_cols = (order // k).to(index_dtype)
        a_values = flat_values[order]
        del order
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
            self.at_csr = torch.sparse_csr_tensor(
                at_crow, flat_rows, flat_values, (self.dim, self.n_params), check_invariants=False
            ).to(self.device)
            self.a_csr = torch.sparse_csr_tensor(
                a_crow.to(index_dtype), a_cols, a_values, (self.n_params, self.dim), check_invariants=False
            ).to(self.device)

    @property
    def nnz(self) -> int:
        return self.dim * self.nnz_per_column

    @property
    def nbytes(self) -> int:
        """Bytes held by both CSR copies (values + column indices + row pointers)."""
        total = 0
        for m in (self.a_csr, self.at_csr):
            for t in (m.values(), m.col_indices(), m.crow_indices()):
                total += t.numel() * t.element_size()
        return total

    @property
    def matrix(self) -> torch.Tensor:
        """A (D x d) as a dense tensor, for tests and analysis."""
        return self.a_csr.to_dense()

    def __call__(self, phi: torch.Tensor) -> torch.Tensor:
        return _Project.apply(phi, self)

    def forward_rows(self, rows: torch.Tensor) -> torch.Tensor:
        """A phi for a (batch, d) matrix through the CSR copy of A."""
        return (self.a_csr @ rows.T).T if rows.shape[0] > 1 else (self.a_csr @ rows[0]).unsqueeze(0)

    def backward_rows(self, g: torch.Tensor) -> torch.Tensor:
        """A^T g for a (batch, D) matrix through the CSR copy of A^T."""
        return (self.at_csr @ g.T).T if g.shape[0] > 1 else (self.at_csr @ g[0]).unsqueeze(0)

    def describe(self) -> dict[str, Any]:
        return {
            **_identity(self),
            "nnz_per_column": self.nnz_per_column,
            "block_columns": SPARSE_BLOCK_COLUMNS,
            "device": self.device.type,
        }


# --------------------------------------------------------------------------------------------------------------------
# Walsh-Hadamard transform and Fastfood

_hadamard_cache: dict[tuple[int, torch.dtype, torch.device], torch.Tensor] = {}


def hadamard_matrix(m: int, dtype: torch.dtype = torch.float32, device: str | torch.device = "cpu") -> torch.Tensor:
    """The m x m Sylvester Hadamard matrix (entries +-1, symmetric, H H = m I; scipy.linalg.hadamard's order)."""
    if m < 1 or m & (m - 1):
        raise ValueError(f"Hadamard size must be a power of two, got {m}")
    key = (m, dtype, torch.device(device))
    if key not in _hadamard_cache:
        i = torch.arange(m)
        # H[i, j] = (-1)^popcount(i & j)
        bits = i[:, None] & i[None, :]
        parity = torch.zeros_like(bits)
        while bool(bits.any()):
            parity ^= bits & 1
            bits = bits >> 1
        _hadamard_cache[key] = (1 - 2 * parity).to(dtype=dtype, device=device)
    return _hadamard_cache[key]


def hadamard_factors(n: int, max_factor: int = HADAMARD_MAX_FACTOR) -> list[int]:
    """Split n = 2^L into as few, as equal powers of two <= max_factor as possible (largest first)."""
    if n < 1 or n & (n - 1):
        raise ValueError(f"the Walsh-Hadamard transform needs a power-of-two length, got {n}")
    levels, max_levels = n.bit_length() - 1, max(1, max_factor.bit_length() - 1)
    if levels == 0:
        return []
    k = math.ceil(levels / max_levels)
    sizes = [levels // k + (1 if i < levels % k else 0) for i in range(k)]
    return [2**s for s in sizes]


class _WalshHadamard(torch.autograd.Function):
    """H x along the last axis; its backward is the transform again (H is symmetric)."""

    generate_vmap_rule = True

    @staticmethod
    def forward(x: torch.Tensor, max_factor: int) -> torch.Tensor:
        n = x.shape[-1]
        factors = hadamard_factors(n, max_factor)
        if not factors:
            return x.clone()
        # x as a row-major (batch, m1, ..., mk) array; factor i is a matmul on axis i with the axes before it as
        # the batch of the matmul and those after it as its columns: no transposes, every pass contiguous.
        y, before = x.reshape(-1, n), x.numel() // n
        for m in factors:
            h = hadamard_matrix(m, x.dtype, x.device)
            after = x.numel() // (before * m)
            y = y.reshape(-1, m) @ h if after == 1 else torch.matmul(h, y.reshape(before, m, after))
            before *= m
        return y.reshape(x.shape)

    @staticmethod
    def setup_context(ctx, inputs: tuple, output: torch.Tensor) -> None:
        ctx.max_factor = inputs[1]

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return _WalshHadamard.apply(grad, ctx.max_factor), None


def walsh_hadamard(x: torch.Tensor, max_factor: int = HADAMARD_MAX_FACTOR) -> torch.Tensor:
    """The unnormalised Walsh-Hadamard transform H x along the last axis (length n = 2^L), H in Sylvester order.

    H has entries +-1, is symmetric and H H = n I, so the transform is its own adjoint and applying it twice
    multiplies by n (divide by sqrt(n) for the orthonormal version). Computed as a Kronecker factorisation
    H_n = H_m1 (x) ... (x) H_mk with every mi <= max_factor: one dense matmul per factor on its axis of x viewed
    as an (m1, ..., mk) array, O(n sum(mi)) flops in k passes. Differentiable (the backward is the transform again),
    works under torch.func.vmap, on any device and floating dtype.
    """
    return _WalshHadamard.apply(x, max_factor)  # hadamard_factors refuses lengths that are not powers of two


class FastfoodProjection:
    """Li et al.'s Fastfood projection A = c S H G Pi H B P over the whole network.

    n = the next power of two >= D; P zero-pads phi to n, B = diag(+-1), H = the unnormalised n x n Walsh-Hadamard
    matrix, Pi a permutation, G = diag(N(0, 1)), S keeps the first D rows. Scaling (Li et al.'s): the untruncated
    columns of H G Pi H B all have squared norm n * sum(G^2) exactly, and truncating to D of the n rows keeps a
    fraction D / n of it in expectation (each row has the same law), so c = 1 / sqrt(D * sum(G^2)) gives columns of
    squared norm exactly n / D before truncation and exactly 1 in expectation after it (individual columns
    fluctuate around 1). For d > n, independent blocks (each with its own B, Pi, G and c) give the columns
    [n j, n j + n). Block j's B, Pi, G are drawn in that order on the CPU from the generator seeded
    ``derive_seed("projection/fastfood", seed, j)``, so A does not depend on the device. Memory: per block two int64
    permutations and two float vectors of length n; time O(n log n) per block and pass.
    """

    kind = "fastfood"

    def __init__(self, n_params: int, dim: int, seed: int, device: str | torch.device = "cpu"):
        self.n_params, self.dim = _check_sizes(n_params, dim)
        self.seed, self.device = int(seed), torch.device(device)
        self.n_padded = n = 1 << (self.n_params - 1).bit_length()
        self.n_blocks = math.ceil(self.dim / n)
        self.blocks: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, float]] = []
        for j in range(self.n_blocks):
            gen = generator(derive_seed("projection/fastfood", self.seed, j))
            signs = (2 * torch.randint(0, 2, (n,), generator=gen) - 1).to(torch.float32)
            perm = torch.randperm(n, generator=gen)
            gauss = torch.randn(n, generator=gen)
            scale = 1.0 / math.sqrt(self.n_params * float(gauss.double().square().sum()))
            inverse = torch.empty_like(perm)
            inverse[perm] = torch.arange(n)
            self.blocks.append(
                (signs.to(self.device), perm.to(self.device), inverse.to(self.device), gauss.to(self.device), scale)
            )

    @property
    def nbytes(self) -> int:
        return sum(t.numel() * t.element_size() for block in self.blocks for t in block[:4])

    @property
    def matrix(self) -> torch.Tensor:
        """A (D x d), materialised by applying the transform to the identity (for tests on small D)."""
        return self(torch.eye(self.dim, device=self.device)).T

    def __call__(self, phi: torch.Tensor) -> torch.Tensor:
        return _Project.apply(phi, self)

    def forward_rows(self, rows: torch.Tensor) -> torch.Tensor:
        """A phi for a (batch, d) matrix: per block of n coordinates, pad, B, H, Pi, G, H, scale, crop to D."""
        n, size = self.n_padded, self.n_params
        out = rows.new_zeros(rows.shape[0], size)
        for j, (signs, perm, _, gauss, scale) in enumerate(self.blocks):
            x = rows[:, j * n : (j + 1) * n]
            x = torch.nn.functional.pad(x, (0, n - x.shape[1])) * signs
            x = walsh_hadamard(x)[:, perm] * gauss
            out.add_(walsh_hadamard(x)[:, :size], alpha=scale)
        return out

    def backward_rows(self, g: torch.Tensor) -> torch.Tensor:
        """A^T g for a (batch, D) matrix: the transposed steps in reverse order, per block."""
        n, size, dim = self.n_padded, self.n_params, self.dim
        g = torch.nn.functional.pad(g, (0, n - size))
        out = g.new_empty(g.shape[0], dim)
        for j, (signs, _, inverse, gauss, scale) in enumerate(self.blocks):
            y = (walsh_hadamard(g) * (gauss * scale))[:, inverse]
            y = walsh_hadamard(y) * signs
            width = min(n, dim - j * n)
            out[:, j * n : j * n + width] = y[:, :width]
        return out

    def describe(self) -> dict[str, Any]:
        return {
            **_identity(self),
            "n_padded": self.n_padded,
            "n_blocks": self.n_blocks,
            "scaling": "1/sqrt(D*sum(G^2)): unit squared column norm in expectation after truncation to D rows",
            "hadamard_max_factor": HADAMARD_MAX_FACTOR,
            "device": self.device.type,
        }


class TrajectoryProjection:
    """A = U_d, the first d of the top left singular vectors `basis` (D x r) of a training trajectory: the lottery
    subspace. Orthonormal columns, like the unit-norm columns of the dense random A; `seed` is the seed that
    determined the trajectory (its mini-batch order). Calling it is differentiable (autograd gives U_d^T g)."""

    kind = "lottery"

    def __init__(self, n_params: int, dim: int, seed: int, device: str | torch.device = "cpu", *, basis: torch.Tensor):
        n_params, dim = _check_sizes(n_params, dim)
        rows, available = basis.shape
        if rows != n_params:
            raise ValueError(f"the trajectory basis has {rows} rows, the network D = {n_params}")
        if dim > available:
            raise ValueError(f"a lottery subspace of d={dim} needs d <= {available}, the singular vectors stored")
        self.n_params, self.dim, self.seed = n_params, dim, int(seed)
        self.basis = basis[:, :dim].to(device=device, dtype=torch.float32).contiguous()

    @property
    def matrix(self) -> torch.Tensor:
        return self.basis

    def __call__(self, phi: torch.Tensor) -> torch.Tensor:
        if phi.shape[-1] != self.dim:
            raise ValueError(f"phi has trailing size {phi.shape[-1]}, the projection expects d = {self.dim}")
        return phi @ self.basis.T

    def describe(self) -> dict[str, Any]:
        return _identity(self)


RANDOM_PROJECTIONS = {"dense": DenseProjection, "sparse": SparseProjection, "fastfood": FastfoodProjection}
"""The random projections, determined by their seed alone (the choices of `subspace.projection`)."""

PROJECTIONS = {**RANDOM_PROJECTIONS, "lottery": TrajectoryProjection}
"""Every projection kind; `lottery` also needs the trajectory's singular vectors (`basis=`)."""


def make_projection(
    kind: str, n_params: int, dim: int, seed: int, device: str | torch.device = "cpu", **options: Any
) -> Projection:
    """Build the projection named `kind` for a D = n_params network and d = dim; `options` go to its class."""
    if kind not in PROJECTIONS:
        raise KeyError(f"unknown projection {kind!r}; known projections: {sorted(PROJECTIONS)}")
    return PROJECTIONS[kind](n_params, dim, seed, device=device, **options)
