"""Quadratic wells L(theta) = 1/2 (theta - theta*)^T H (theta - theta*) in random affine subspaces (figure 5).

H is diagonal WLOG (its eigenbasis) and theta* = 0. A run draws a start theta_0 = R n with n uniform on the
unit sphere and a Gaussian D x d_max matrix A; the subspaces for the d on the grid are the nested prefixes
span(A[:, :d]), so one Householder QR gives the exact subspace minimum for every d, and one minimum is
compared with every epsilon. Runs (and the distances R) are independent; the d of one run are not, which
leaves each P_s(d, epsilon, R) an unbiased estimate from n_subspaces independent subspaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from dof.config import QuadraticConfig
from dof.engine.seeding import derive_seed
from dof.theory.crossing import first_crossing
from dof.theory.widths import closed_form_width2, cone_sup, ellipsoid_cone, gordon_threshold, width_from_sups

SPECTRUM_KINDS = ("bimodal", "bulk", "marchenko_pastur")


def make_spectrum(kind: str, n: int, seed: int = 0, **params: float) -> np.ndarray:
    """n positive Hessian eigenvalues, largest first.

    bimodal: round(fraction * n) eigenvalues at `large` (default 1.0, fraction 0.1), the rest at `small`
      (default 0.01); `jitter` > 0 (default 0) multiplies each by exp(jitter * N(0, 1)).
    bulk: log-uniform on [low, high] (defaults 1e-3, 1.0): a continuous spectrum spanning three decades.
    marchenko_pastur: eigenvalues of scale * X^T X / m, X an m x n Gaussian with m = n / ratio (ratio
      default 0.5 < 1, so all are positive; scale default 1.0)."""
    rng = np.random.default_rng(seed)
    if kind == "bimodal":
        n_large = int(round(params.get("fraction", 0.1) * n))
        values = np.where(np.arange(n) < n_large, params.get("large", 1.0), params.get("small", 0.01))
        jitter = params.get("jitter", 0.0)
        if jitter > 0:
            values = values * np.exp(jitter * rng.standard_normal(n))
    elif kind == "bulk":
        low, high = params.get("low", 1e-3), params.get("high", 1.0)
        values = np.exp(rng.uniform(np.log(low), np.log(high), size=n))
    elif kind == "marchenko_pastur":
        ratio = params.get("ratio", 0.5)
        if not 0 < ratio < 1:
            raise ValueError("marchenko_pastur needs 0 < ratio < 1 for a positive spectrum")
        m = int(np.ceil(n / ratio))
        x = rng.standard_normal((m, n))
        values = params.get("scale", 1.0) * np.linalg.eigvalsh(x.T @ x / m)
    else:
        raise KeyError(f"unknown spectrum kind {kind!r}; known kinds: {SPECTRUM_KINDS}")
    return np.sort(np.asarray(values, dtype=float))[::-1].copy()


def quadratic_loss(hessian_diag: np.ndarray, theta_star: np.ndarray, theta: np.ndarray) -> float:
    """L(theta) = 1/2 sum_i h_i (theta_i - theta*_i)^2."""
    delta = np.asarray(theta) - np.asarray(theta_star)
    return float(0.5 * np.sum(np.asarray(hessian_diag) * delta**2))


def best_loss_in_subspace(hessian_diag: np.ndarray, theta_star: np.ndarray, start: np.ndarray, a: np.ndarray) -> float:
    """min_phi L(start + A phi) in closed form: 1/2 ||(I - P) e||^2, with e = H^{1/2}(start - theta*), P onto H^{1/2} A.

    The normal equations (A^T H A) phi = A^T H (theta* - start) are solved as a least-squares problem, which
    stays accurate when A^T H A is ill-conditioned."""
    root_h = np.sqrt(np.asarray(hessian_diag, dtype=float))
    e = root_h * (np.asarray(start, dtype=float) - np.asarray(theta_star, dtype=float))
    b = root_h[:, None] * np.asarray(a, dtype=float)
    phi = np.linalg.lstsq(b, -e, rcond=None)[0]
    return float(0.5 * np.sum((e + b @ phi) ** 2))


def best_phi_in_subspace(
    hessian_diag: np.ndarray, theta_star: np.ndarray, start: np.ndarray, a: np.ndarray
) -> np.ndarray:
    """The minimiser phi of L(start + A phi) (least squares; minimum norm if A^T H A is singular)."""
    root_h = np.sqrt(np.asarray(hessian_diag, dtype=float))
    e = root_h * (np.asarray(start, dtype=float) - np.asarray(theta_star, dtype=float))
    return np.linalg.lstsq(root_h[:, None] * np.asarray(a, dtype=float), -e, rcond=None)[0]


def nested_subspace_min_losses(
    root_h: np.ndarray, start_offset: np.ndarray, a: np.ndarray, dims: np.ndarray
) -> np.ndarray:
    """Subspace minima for the nested prefixes A[:, :d], d in dims, from the R factor of QR([H^{1/2} A | e]).

    Column -1 of R holds the coordinates of e along the orthonormalised columns (and, below them, the norm of
    its remainder), so the residual of the prefix d is the tail sum of squares from row d: no cancellation."""
    e = root_h * start_offset
    r = np.linalg.qr(np.column_stack([root_h[:, None] * a, e]), mode="r")
    coords = r[:, -1]
    tail = np.concatenate([np.cumsum((coords**2)[::-1])[::-1], [0.0]])
    return 0.5 * tail[np.minimum(np.asarray(dims), coords.size)]


def subspace_min_losses(
    hessian_diag: np.ndarray, distance: float, dims: Sequence[int], n_subspaces: int, seed: int
) -> np.ndarray:
    """(n_subspaces, len(dims)) exact subspace minima; each run a random start at `distance` and a Gaussian A."""
    hessian_diag = np.asarray(hessian_diag, dtype=float)
    dims = np.asarray(dims, dtype=int)
    if np.any(dims < 0):
        raise ValueError("dims must be non-negative")
    n = hessian_diag.size
    d_max = int(min(dims.max(), n))
    root_h = np.sqrt(hessian_diag)
    rng = np.random.default_rng(seed)
    out = np.empty((n_subspaces, dims.size))
    for run in range(n_subspaces):
        direction = rng.standard_normal(n)
        offset = distance * direction / np.linalg.norm(direction)
        a = rng.standard_normal((n, d_max))
        out[run] = nested_subspace_min_losses(root_h, offset, a, dims)
    return out


def success_from_losses(losses: np.ndarray, dims: Sequence[int], eps_grid: Sequence[float], **keys) -> pd.DataFrame:
    """Long table (keys..., d, epsilon, n_runs, n_success, p_success) from (runs, dims) subspace minima."""
    eps = np.asarray(eps_grid, dtype=float)
    hits = (losses[:, :, None] <= eps[None, None, :]).sum(axis=0)  # (dims, eps)
    d_col, e_col = np.meshgrid(np.asarray(dims, dtype=int), eps, indexing="ij")
    table = pd.DataFrame(
        {
            "d": d_col.ravel(),
            "epsilon": e_col.ravel(),
            "n_runs": losses.shape[0],
            "n_success": hits.ravel().astype("int64"),
        }
    )
    table["p_success"] = table["n_success"] / table["n_runs"]
    for name, value in reversed(list(keys.items())):
        table.insert(0, name, value)
    return table


def success_probability(
    hessian_diag: np.ndarray,
    distance: float | Iterable[float],
    eps_grid: Sequence[float],
    dims: Sequence[int],
    n_subspaces: int,
    seed: int,
    spectrum: str = "custom",
) -> pd.DataFrame:
    """P_s(d, epsilon, R): long table (spectrum, R, d, epsilon, n_runs, n_success, p_success), success = min L <= eps.

    Distance i uses its own seed derive_seed("quadratic-ps", seed, i), so the distances are independent."""
    distances = np.atleast_1d(np.asarray(distance, dtype=float))
    frames = []
    for i, r in enumerate(distances):
        losses = subspace_min_losses(hessian_diag, float(r), dims, n_subspaces, derive_seed("quadratic-ps", seed, i))
        frames.append(success_from_losses(losses, dims, eps_grid, spectrum=spectrum, R=float(r)))
    table = pd.concat(frames, ignore_index=True)
    return table.sort_values(["spectrum", "R", "epsilon", "d"], ignore_index=True)


def empirical_threshold(success: pd.DataFrame, delta: float = 0.1) -> pd.DataFrame:
    """d*(spectrum, R, epsilon): the smallest d on the grid with P_s >= 1 - delta (null if none)."""
    rows = []
    for (spectrum, r, eps), cell in success.groupby(["spectrum", "R", "epsilon"], sort=True):
        cell = cell.sort_values("d")
        dims = cell["d"].to_numpy()
        d_star = float(first_crossing(dims, cell["p_success"].to_numpy(), 1.0 - delta))  # a 0-d array: no Int64
        rows.append(
            {
                "spectrum": spectrum,
                "R": r,
                "epsilon": eps,
                "delta": delta,
                "d_star_empirical": d_star,
                "d_max": int(dims.max()),
            }
        )
    table = pd.DataFrame(rows, columns=["spectrum", "R", "epsilon", "delta", "d_star_empirical", "d_max"])
    table["d_star_empirical"] = table["d_star_empirical"].astype(float).astype("Float64").astype("Int64")
    return table


def sublevel_ellipsoid(
    hessian_diag: np.ndarray, epsilon: float, start_offset: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(radii, center) of {L <= epsilon} seen from the start: radii sqrt(2 eps / h_i), centre theta* - start."""
    hessian_diag = np.asarray(hessian_diag, dtype=float)
    if np.any(hessian_diag <= 0):
        raise ValueError("the Hessian spectrum must be positive for a bounded sub-level set")
    return np.sqrt(2.0 * epsilon / hessian_diag), -np.asarray(start_offset, dtype=float)


def width_table(
    spectra: Mapping[str, np.ndarray],
    distances: Sequence[float],
    eps_grid: Sequence[float],
    n_samples: int,
    seed: int,
    success: pd.DataFrame | None = None,
    delta: float = 0.1,
    n_starts: int = 1,
    tol: float = 1e-12,
) -> pd.DataFrame:
    """Per (spectrum, R, epsilon): Monte Carlo w^2 of the projected sub-level set, the closed form, d* = D - w^2
    (clipped at 0 where the Monte Carlo w^2 exceeds D: d_star_predicted_clipped).

    Each of `n_starts` random start directions at distance R gets n_samples // n_starts Gaussian draws, pooled
    (the stderr treats the pooled draws as independent; in high D the start direction barely matters).
    start_inside is the fraction of starts already in the sub-level set (their projection is the whole sphere).
    With `success` (a success_probability table) the empirical d*(delta) is merged in."""
    rows = []
    for s_index, (name, h) in enumerate(spectra.items()):
        h = np.asarray(h, dtype=float)
        dim = h.size
        for r_index, r in enumerate(distances):
            rng = np.random.default_rng(derive_seed("quadratic-width-start", seed, s_index, r_index))
            offsets = []
            for _ in range(n_starts):
                direction = rng.standard_normal(dim)
                offsets.append(r * direction / np.linalg.norm(direction))
            for e_index, eps in enumerate(eps_grid):
                sups = []
                for k, offset in enumerate(offsets):
                    radii, center = sublevel_ellipsoid(h, eps, offset)
                    draw_seed = derive_seed("quadratic-width-g", seed, s_index, r_index, e_index, k)
                    sups.append(_sups(radii, center, max(2, n_samples // n_starts), draw_seed, tol))
                est = width_from_sups(np.concatenate(sups))
                closed = closed_form_width2(np.sqrt(2.0 * eps / h), r)
                d_star, clipped = gordon_threshold(dim, est.w2)
                start_losses = [0.5 * float(np.sum(h * o**2)) for o in offsets]
                rows.append(
                    {
                        "spectrum": name,
                        "R": float(r),
                        "epsilon": float(eps),
                        "n_params": dim,
                        "start_loss": float(np.mean(start_losses)),
                        "start_inside": float(np.mean([loss <= eps for loss in start_losses])),
                        "w": est.w,
                        "w_stderr": est.w_stderr,
                        "w2": est.w2,
                        "w2_stderr": est.w2_stderr,
                        "n_samples": est.n_samples,
                        "w2_closed_form": closed,
                        "d_star_predicted": d_star,
                        "d_star_predicted_clipped": clipped,
                        "d_star_closed_form": dim - closed,
                    }
                )
    table = pd.DataFrame(rows)
    if success is not None:
        thresholds = empirical_threshold(success, delta)[["spectrum", "R", "epsilon", "d_star_empirical"]]
        table = table.merge(thresholds, on=["spectrum", "R", "epsilon"], how="left")
    return table


def _sups(radii: np.ndarray, center: np.ndarray, n_samples: int, seed: int, tol: float) -> np.ndarray:
    """Per-draw sups over the projected ellipsoid (Gaussian draws from default_rng(seed))."""
    g = np.random.default_rng(seed).standard_normal((n_samples, radii.size))
    return cone_sup(ellipsoid_cone(radii, center), g, tol)[0]


# ----------------------------------------------------------------------------------------------------------------
# The configured wells of the theory stage (figure 5)


def quadratic_dims(settings: QuadraticConfig) -> np.ndarray:
    """The d grid: `dims` if given, else 41 evenly spaced integers from 0 to D (both included)."""
    n = int(settings.n_params)
    dims = settings.dims
    if dims is None:
        dims = np.unique(np.rint(np.linspace(0, n, 41)).astype(int))
    dims = np.asarray(sorted(set(int(d) for d in dims)), dtype=int)
    if dims.min() < 0 or dims.max() > n:
        raise ValueError(f"theory.quadratic.dims must lie in 0..n_params = {n}, got {dims.min()}..{dims.max()}")
    return dims


def quadratic_spectra(settings: QuadraticConfig) -> dict[str, np.ndarray]:
    """The configured Hessian spectra (name -> n_params eigenvalues, largest first), each from its own seed."""
    spectra = {}
    for index, spec in enumerate(settings.spectra):
        name = spec["name"]
        if name in spectra:
            raise ValueError(f"theory.quadratic.spectra: the name {name!r} appears twice")
        seed = derive_seed("quadratic-spectrum", int(settings.seed), index)
        spectra[name] = make_spectrum(spec["kind"], int(settings.n_params), seed, **spec.get("params") or {})
    return spectra


def quadratic_success(settings: QuadraticConfig) -> pd.DataFrame:
    """P_s(d, epsilon, R) per spectrum: (spectrum, n_params, R, d, epsilon, n_runs, n_success, p_success)."""
    dims = quadratic_dims(settings)
    frames = []
    for index, (name, eigenvalues) in enumerate(quadratic_spectra(settings).items()):
        frame = success_probability(
            eigenvalues,
            settings.distances,
            settings.epsilons,
            dims,
            n_subspaces=int(settings.n_subspaces),
            seed=derive_seed("quadratic-success", int(settings.seed), index),
            spectrum=name,
        )
        frame.insert(1, "n_params", int(settings.n_params))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def quadratic_widths(settings: QuadraticConfig, success: pd.DataFrame) -> pd.DataFrame:
    """Per (spectrum, R, epsilon): Monte Carlo w^2 and its standard error, the closed form, d* = D - w^2, and the
    empirical d* of the success table at the configured delta (d_star_empirical) and at P_s >= 1/2
    (d_star_median, the crossing Gordon's theorem predicts), with the gaps predicted - empirical."""
    table = width_table(
        quadratic_spectra(settings),
        settings.distances,
        settings.epsilons,
        n_samples=int(settings.n_width_samples),
        seed=derive_seed("quadratic-widths", int(settings.seed)),
        success=success,
        delta=float(settings.delta),
        n_starts=int(settings.n_starts),
    )
    median = empirical_threshold(success, 0.5).rename(columns={"d_star_empirical": "d_star_median"})
    table = table.merge(median[["spectrum", "R", "epsilon", "d_star_median", "d_max"]], on=["spectrum", "R", "epsilon"])
    table.insert(table.columns.get_loc("d_star_empirical"), "delta", float(settings.delta))
    table["gap_empirical"] = table["d_star_empirical"].astype("Float64") - table["d_star_predicted"]
    table["gap_median"] = table["d_star_median"].astype("Float64") - table["d_star_predicted"]
    return table
