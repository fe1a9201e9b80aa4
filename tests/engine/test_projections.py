import math

import pytest
import scipy.linalg
import torch

from dof.engine.projections import DENSE_BLOCK_COLUMNS, PROJECTIONS, hadamard_factors, make_projection, walsh_hadamard


def test_dense_columns_have_unit_norm():
    a = make_projection("dense", 1000, 50, seed=1).matrix
    assert a.shape == (1000, 50)
    assert torch.allclose(a.norm(dim=0), torch.ones(50), atol=1e-5)


def test_dense_is_determined_by_its_seed():
    a = make_projection("dense", 300, 20, seed=7).matrix
    b = make_projection("dense", 300, 20, seed=7).matrix
    c = make_projection("dense", 300, 20, seed=8).matrix
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_apply_is_a_times_phi_and_adjoint_holds():
    projection = make_projection("dense", 200, 10, seed=0)
    phi, v = torch.randn(10, dtype=torch.float32), torch.randn(200)
    assert torch.allclose(projection(phi), projection.matrix @ phi, atol=1e-5)
    phi.requires_grad_(True)
    (projection(phi) @ v).backward()
    assert torch.allclose(phi.grad, projection.matrix.T @ v, atol=1e-4)


def test_unknown_projection_is_named():
    with pytest.raises(KeyError, match="dense"):
        make_projection("fastfood-ish", 10, 2, seed=0)


# --- every kind -----------------------------------------------------------------------------------

KINDS = ["dense", "sparse", "fastfood"]
SPARSE_SMALL = {"nnz_per_column": 16}


def _options(kind: str) -> dict:
    return SPARSE_SMALL if kind == "sparse" else {}


def test_every_kind_is_registered():
    assert set(KINDS) <= set(PROJECTIONS)


@pytest.mark.parametrize("kind", KINDS)
def test_kind_and_description_are_recorded(kind):
    projection = make_projection(kind, 300, 12, seed=4, **_options(kind))
    assert projection.kind == kind
    assert (projection.n_params, projection.dim, projection.seed) == (300, 12, 4)
    description = projection.describe()
    assert description["kind"] == kind and description["seed"] == 4
    assert description["n_params"] == 300 and description["dim"] == 12


@pytest.mark.parametrize("kind", ["dense", "sparse"])
@pytest.mark.parametrize("options", [{}, {"nnz_per_column": 5}])
def test_dense_and_sparse_columns_have_exactly_unit_norm(kind, options):
    options = options if kind == "sparse" else {}
    a = make_projection(kind, 700, 70, seed=2, **options).matrix
    assert a.shape == (700, 70)
    assert torch.allclose(a.norm(dim=0), torch.ones(70), atol=1e-5)


@pytest.mark.parametrize("n_params", [600, 1024])
def test_fastfood_columns_have_unit_norm_in_expectation(n_params):
    # n = 1024 pads D = 600 by 424 rows, so the truncation scaling sqrt(n / D) matters.
    for seed in (0, 1):
        a = make_projection("fastfood", n_params, 256, seed=seed).matrix
        squared = a.square().sum(dim=0)
        assert abs(float(squared.mean()) - 1) < 0.02
        assert float(squared.min()) > 0.5 and float(squared.max()) < 1.5


def test_fastfood_untruncated_columns_have_exact_norm():
    # D = n: no truncation, every column of c H G Pi H B has squared norm n / D = 1 exactly.
    a = make_projection("fastfood", 512, 64, seed=3).matrix
    assert torch.allclose(a.norm(dim=0), torch.ones(64), atol=1e-4)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("n_params", "dim"), [(700, 40), (100, 300)])
def test_apply_and_adjoint_identity(kind, n_params, dim):
    projection = make_projection(kind, n_params, dim, seed=1, **_options(kind))
    gen = torch.Generator().manual_seed(0)
    phi, v = torch.randn(dim, generator=gen), torch.randn(n_params, generator=gen)
    phi.requires_grad_(True)
    a_phi = projection(phi)
    assert a_phi.shape == (n_params,)
    (a_phi @ v).backward()  # phi.grad = A^T v, by autograd
    lhs, rhs = float(a_phi.detach().double() @ v.double()), float(phi.detach().double() @ phi.grad.double())
    assert math.isclose(lhs, rhs, rel_tol=1e-4, abs_tol=1e-4)
    a = projection.matrix
    assert torch.allclose(a_phi.detach(), a @ phi.detach(), atol=1e-4)
    assert torch.allclose(phi.grad, a.T @ v, atol=1e-4)


@pytest.mark.parametrize("kind", KINDS)
def test_batched_phi_is_applied_row_by_row(kind):
    projection = make_projection(kind, 200, 10, seed=6, **_options(kind))
    phis = torch.randn(3, 10)
    out = projection(phis)
    assert out.shape == (3, 200)
    for phi, row in zip(phis, out):
        assert torch.allclose(projection(phi), row, atol=1e-5)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_determined_by_its_seed(kind):
    phi, v = torch.randn(24), torch.randn(500)

    def run(seed):
        projection = make_projection(kind, 500, 24, seed=seed, **_options(kind))
        p = phi.clone().requires_grad_(True)
        out = projection(p)
        (out @ v).backward()
        return out.detach(), p.grad

    (a1, g1), (a2, g2), (b1, h1) = run(9), run(9), run(10)
    assert torch.equal(a1, a2) and torch.equal(g1, g2)
    assert not torch.equal(a1, b1) and not torch.equal(g1, h1)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("small", "large"), [(1, 7), (5, 32), (31, 33), (40, 300), (257, 600)])
def test_every_kind_is_nested(kind, small, large):
    """A_d is the first d columns of A_d' bit for bit (within and across dense/sparse blocks and Fastfood's padding,
    here n = 512 for D = 300: d = 600 spans two Fastfood blocks)."""
    a_small = make_projection(kind, 300, small, seed=3, **_options(kind)).matrix
    a_large = make_projection(kind, 300, large, seed=3, **_options(kind)).matrix
    assert torch.equal(a_small, a_large[:, :small])


@pytest.mark.parametrize("kind", KINDS)
def test_nested_projection_applies_like_the_larger_one_on_a_padded_phi(kind):
    """A_d phi == A_d' (phi, 0): the same map, not only the same stored matrix."""
    small = make_projection(kind, 300, 20, seed=5, **_options(kind))
    large = make_projection(kind, 300, 70, seed=5, **_options(kind))
    phi = torch.randn(3, 20)
    padded = torch.nn.functional.pad(phi, (0, 50))
    assert torch.allclose(small(phi), large(padded), rtol=1e-5, atol=1e-6)


# --- dense: stored vs regenerated -----------------------------------------------------------------


def test_dense_policy_follows_the_memory_budget():
    stored = make_projection("dense", 1000, 50, seed=0)
    chunked = make_projection("dense", 1000, 50, seed=0, memory_budget=1000 * 50 * 4 - 1)
    assert stored.describe()["mode"] == "stored" and chunked.describe()["mode"] == "chunked"
    assert torch.equal(stored.matrix, chunked.matrix)


@pytest.fixture(params=[1, 2], ids=["1-thread", "2-threads"])
def n_threads(request):
    """Chunks of several blocks draw them in parallel threads when torch may use more than one."""
    before = torch.get_num_threads()
    torch.set_num_threads(request.param)
    yield request.param
    torch.set_num_threads(before)


@pytest.mark.parametrize("chunk_columns", [1, DENSE_BLOCK_COLUMNS, DENSE_BLOCK_COLUMNS + 1, 96, 10_000])
def test_dense_chunked_equals_stored_bitwise(chunk_columns, n_threads):
    n_params, dim = 500, 3 * DENSE_BLOCK_COLUMNS + 7  # a partial last block
    stored = make_projection("dense", n_params, dim, seed=11, mode="stored")
    chunked = make_projection("dense", n_params, dim, seed=11, mode="chunked", chunk_columns=chunk_columns)
    assert chunked.describe()["chunk_columns"] % DENSE_BLOCK_COLUMNS == 0
    phi, v = torch.randn(2, dim), torch.randn(2, n_params)
    outputs = []
    for projection in (stored, chunked):
        p = phi.clone().requires_grad_(True)
        out = projection(p)
        (out * v).sum().backward()
        outputs.append((out.detach(), p.grad))
    (out_s, grad_s), (out_c, grad_c) = outputs
    assert torch.equal(out_s, out_c) and torch.equal(grad_s, grad_c)
    assert torch.equal(stored.matrix, chunked.matrix)


# --- sparse ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("nnz", [1, 5, 150, 397, 400])  # rejection, mask, complement and full-column paths
def test_sparse_columns_have_the_requested_distinct_nonzeros(nnz):
    projection = make_projection("sparse", 400, 30, seed=5, nnz_per_column=nnz)
    a = projection.matrix
    assert torch.equal((a != 0).sum(dim=0), torch.full((30,), nnz))
    assert torch.allclose(a.norm(dim=0), torch.ones(30), atol=1e-5)
    assert projection.describe()["nnz_per_column"] == nnz


def test_sparse_default_is_the_authors_8192_capped_at_d():
    assert make_projection("sparse", 300, 4, seed=0).nnz_per_column == 300
    assert make_projection("sparse", 9000, 1, seed=0).nnz_per_column == 8192


def test_sparse_rows_are_spread_uniformly():
    a = make_projection("sparse", 50, 2000, seed=0, nnz_per_column=5).matrix
    hits = (a != 0).sum(dim=1).double()  # expected 2000 * 5 / 50 = 200 per row
    assert abs(float(hits.mean()) - 200) < 1e-9 and float(hits.std()) < 3 * math.sqrt(200)


# --- Walsh-Hadamard transform ---------------------------------------------------------------------


@pytest.mark.parametrize("levels", range(11))
def test_walsh_hadamard_matches_sylvester(levels):
    n = 2**levels
    h = torch.as_tensor(scipy.linalg.hadamard(n), dtype=torch.float64)
    x = torch.randn(2, 3, n, dtype=torch.float64)
    for max_factor in (2, 8, 32, 128):
        assert torch.allclose(walsh_hadamard(x, max_factor=max_factor), x @ h, atol=1e-9)
    assert torch.allclose(walsh_hadamard(walsh_hadamard(x)), n * x, atol=1e-9)


def test_walsh_hadamard_is_self_adjoint_under_autograd():
    x, v = torch.randn(1024, requires_grad=True), torch.randn(1024)
    (walsh_hadamard(x) @ v).backward()
    assert torch.allclose(x.grad, walsh_hadamard(v), atol=1e-3)


def test_walsh_hadamard_gradient_and_vmap():
    x = torch.randn(4, 256, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: walsh_hadamard(t, max_factor=8), (x,))
    batched = torch.func.vmap(lambda t: walsh_hadamard(t, max_factor=8))(x.detach())
    assert torch.allclose(batched, walsh_hadamard(x.detach()), atol=1e-9)


def test_walsh_hadamard_refuses_other_lengths():
    with pytest.raises(ValueError, match="power"):
        walsh_hadamard(torch.randn(12))


@pytest.mark.parametrize("n", [1, 2, 2**10, 2**19])
def test_hadamard_factors_multiply_to_n_and_respect_the_cap(n):
    factors = hadamard_factors(n, max_factor=128)
    assert math.prod(factors) == n and all(f <= 128 for f in factors)
    assert len(factors) == math.ceil((n.bit_length() - 1) / 7)
