import pytest
import torch

from dof.projections import make_projection


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
