"""dof: threshold training dimensions of deep networks in random affine subspaces (Larsen et al. 2022)."""

__version__ = "0.1.0"
