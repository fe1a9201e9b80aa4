"""The Goldilocks stage's section curvature against answers known in closed form."""

import math

import pytest
import torch

from dof.engine.seeding import generator
from dof.theory import goldilocks as theory


def test_section_curvature_of_a_known_quadratic():
    # L = 1/2 theta^T H theta, H = diag(3, -1, 2, 0.5, -4, 1): along e_0 .. e_3 the section is diag(3, -1, 2, 0.5),
    # so tr = 4.5, ||.||_F = sqrt(9 + 1 + 4 + 0.25), 3 of 4 eigenvalues positive
    diag = torch.tensor([3.0, -1.0, 2.0, 0.5, -4.0, 1.0], dtype=torch.float64)
    directions = torch.eye(6, dtype=torch.float64)[:4]
    section = theory.section_hessian(lambda v: diag * v, directions)
    torch.testing.assert_close(section, torch.diag(diag[:4]))
    measures = theory.section_curvature(section)
    assert measures["section_trace"] == pytest.approx(4.5)
    assert measures["section_frobenius"] == pytest.approx(math.sqrt(14.25))
    assert measures["trace_over_frobenius"] == pytest.approx(4.5 / math.sqrt(14.25))
    assert measures["positive_fraction"] == pytest.approx(0.75)
    assert (measures["section_lambda_min"], measures["section_lambda_max"]) == pytest.approx((-1.0, 3.0))


def test_section_of_a_rotated_quadratic_is_basis_free():
    # A dense H = Q diag Q^T and directions A = R Q^T (R a d x d rotation): A H A^T = R diag R^T has the same trace and
    # Frobenius norm as diag, whatever R
    gen = generator(0)
    q, _ = torch.linalg.qr(torch.randn(8, 8, generator=gen, dtype=torch.float64))
    r, _ = torch.linalg.qr(torch.randn(3, 3, generator=gen, dtype=torch.float64))
    diag = torch.tensor([5.0, -2.0, 1.0, 0, 0, 0, 0, 0], dtype=torch.float64)
    h = q @ torch.diag(diag) @ q.T
    measures = theory.section_curvature(theory.section_hessian(lambda v: h @ v, r @ q.T[:3]))
    assert measures["trace_over_frobenius"] == pytest.approx(4.0 / math.sqrt(30.0))
    assert measures["positive_fraction"] == pytest.approx(2 / 3)
