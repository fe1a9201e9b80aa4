"""Theory of the Goldilocks stage (Fort & Scherlis 2019; Fort & Ganguli 2019): the curvature of a random section
A^T H A of the Hessian."""

from __future__ import annotations

import numpy as np
import torch

from dof.theory.hessian import MatVec


def section_hessian(matvec: MatVec, directions: torch.Tensor) -> torch.Tensor:
    """A^T H A (d x d, float64, symmetrised) for the d directions given as the rows of `directions` (d x D): one
    Hessian-vector product per direction."""
    rows = directions.double()
    products = torch.stack([matvec(row) for row in rows]).double()
    section = rows @ products.T
    return 0.5 * (section + section.T)


def section_curvature(section: torch.Tensor) -> dict[str, float]:
    """Fort & Scherlis's measures of a section Hessian M = A^T H A: tr M / ||M||_F (in [-sqrt d, sqrt d], about 0
    for a spectrum symmetric about 0), the fraction of positive eigenvalues, and the trace, norm and extremes."""
    values = torch.linalg.eigvalsh(section.double()).cpu().numpy()
    frobenius = float(np.sqrt(np.sum(values**2)))
    trace = float(values.sum())
    return {
        "section_trace": trace,
        "section_frobenius": frobenius,
        "trace_over_frobenius": trace / frobenius if frobenius > 0 else float("nan"),
        "positive_fraction": float(np.mean(values > 0)),
        "section_lambda_max": float(values.max()),
        "section_lambda_min": float(values.min()),
    }
