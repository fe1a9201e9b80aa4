"""The `theory` block: quadratic wells, Hessian spectra and the quadratic prediction of d*."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, ClassVar

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, TypeAdapter
from pydantic_core import core_schema

from dof.config.base import NAME_PATTERN, Items, NonNegative, Number, PositiveNumber, SpectrumKind, block, key

DEFAULT_SPECTRA = (
    {"name": "bimodal", "kind": "bimodal", "params": {"fraction": 0.1, "large": 1.0, "small": 0.01}},
    {"name": "bulk", "kind": "bulk", "params": {"low": 0.001, "high": 1.0}},
)


@block
class SpectrumConfig:
    """One item of theory.quadratic.spectra, for the schema and the docs (the quadratic stage reads plain mappings)."""

    name: str = key(doc="label of the spectrum in tables and figures (unique)", required=True, pattern=NAME_PATTERN)
    kind: SpectrumKind = key(
        doc="bimodal (a fraction `fraction` of the eigenvalues at `large`, the rest at `small`, optional log-normal "
        "`jitter`), bulk (log-uniform on [low, high]), marchenko_pastur (`scale` X^T X / m, X an m x D Gaussian, "
        "m = D / `ratio`)",
        required=True,
    )
    params: dict[str, Number] = key(
        doc="keyword parameters of the kind (dof.theory.quadratic.make_spectrum; unset = its defaults)",
        default_factory=dict,
    )


@dataclasses.dataclass(frozen=True)
class CheckedBy:
    """A mapping checked against config block `cls` and kept as given (the quadratic stage reads plain mappings)."""

    cls: type

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema: Any, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        return TypeAdapter(self.cls).json_schema()

    def _check(self, value: dict[str, Any]) -> dict[str, Any]:
        TypeAdapter(self.cls).validate_python(value)
        return value


Spectrum = Annotated[dict[str, Any], CheckedBy(SpectrumConfig)]
"""One item of theory.quadratic.spectra: a mapping the schema of SpectrumConfig allows."""


@block
class QuadraticConfig:
    """Quadratic wells L = 1/2 (theta - theta*)^T H (theta - theta*) with a diagonal H (figure 5)."""

    n_params: int = key(
        1000, "dimension D of the well (the paper's figure 5 uses larger D; the cost grows as D^3)", ge=2
    )
    spectra: Annotated[tuple[Spectrum, ...], Items(1, unique=False)] = key(
        DEFAULT_SPECTRA,
        "Hessian spectra; the default holds the paper's two, a bimodal spectrum (`{name: bimodal, kind: bimodal, "
        "params: {fraction: 0.1, large: 1.0, small: 0.01}}`) and a continuous bulk (`{name: bulk, kind: bulk, "
        "params: {low: 0.001, high: 1.0}}`)",
        shown="the paper's two (see meaning)",
    )
    distances: Annotated[tuple[PositiveNumber, ...], Items(1)] = key(
        (1.0, 2.0, 4.0), "distances R of the start points from theta* (random directions); figure 5 maps three of them"
    )
    epsilons: Annotated[tuple[PositiveNumber, ...], Items(1)] = key(
        (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1),
        "loss thresholds epsilon (a run succeeds if its subspace minimum of L is <= epsilon)",
    )
    dims: Annotated[tuple[NonNegative, ...], Items(1)] | None = key(
        None, "the d grid (each <= n_params); null = 41 evenly spaced d from 0 to D"
    )
    n_subspaces: int = key(
        40, "random subspaces (each with its own start direction) per (spectrum, R); P_s resolution 1/n", ge=1
    )
    n_width_samples: int = key(200, "Gaussian draws g of the Monte Carlo width per (spectrum, R, epsilon)", ge=2)
    n_starts: int = key(1, "random start directions per (spectrum, R) the width draws are split over", ge=1)
    seed: int = key(0, "seed of the spectra, subspaces and start directions of the quadratic stage", ge=0)
    delta: Number = key(
        0.1, "empirical d* is the smallest d with P_s >= 1 - delta (widths.parquet also has P_s >= 1/2)", gt=0, lt=1
    )


@block
class HessianConfig:
    """Hessian spectra by Lanczos and stochastic Lanczos quadrature on a fixed training subset."""

    GRID: ClassVar[tuple[str, ...]] = ("n_seeds",)
    n_seeds: int = key(
        1,
        "how many run seeds (the first of `subspace.seeds`) get a fully trained solution theta* (full-space training "
        "from theta_0 with the baseline block's own Adam and budget) and Hessian spectra",
        ge=1,
    )
    n_examples: int = key(
        500, "size of the fixed training subset the Hessian is computed on (a seeded permutation's first)", ge=1
    )
    lanczos_iterations: int = key(
        40, "Lanczos steps of the run giving the top eigenvalues (also the first SLQ probe)", ge=2
    )
    top_k: int = key(20, "top eigenvalues kept (<= lanczos_iterations; 2 C for the outlier count)", ge=2)
    slq_probes: int = key(
        3, "stochastic Lanczos quadrature probes (Gaussian start vectors), the first being the top run", ge=1
    )
    slq_iterations: int = key(30, "Lanczos steps of each further SLQ probe", ge=2)
    seed: int = key(0, "seed of the Hessian subset and of the Lanczos start vectors", ge=0)


@block
class PredictionConfig:
    """The quadratic-approximation prediction of d*(epsilon, t0) around theta*."""

    eigenvalue_floor: Number = key(
        0.0, "Hessian eigenvalues <= floor count as flat directions (infinite radius, no contribution to d*)"
    )


@block
class TheoryConfig:
    """The theory stage: quadratic wells, Hessian spectra and the quadratic prediction of d*."""

    quadratic: QuadraticConfig = key(
        QuadraticConfig(), "quadratic wells L = 1/2 (theta - theta*)^T H (theta - theta*) with a diagonal H"
    )
    hessian: HessianConfig = key(
        HessianConfig(),
        "Hessian spectra of the mean training cross-entropy (Hessian-vector products with torch.autograd)",
    )
    prediction: PredictionConfig = key(
        PredictionConfig(), "the quadratic-approximation prediction of d*(epsilon, t0) around theta*"
    )
