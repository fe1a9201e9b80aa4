import math

import numpy as np
import pytest
from scipy import integrate, optimize

from dof.theory import widths


def within(estimate: widths.WidthEstimate, exact: float, n_se: float = 3.0) -> bool:
    return abs(estimate.w - exact) <= n_se * estimate.w_stderr


def test_chi_mean_and_subspace_sphere_width():
    assert widths.chi_mean(1) == pytest.approx(math.sqrt(2 / math.pi))
    assert widths.chi_mean(2) == pytest.approx(math.sqrt(math.pi / 2))
    dim, k = 40, 7
    basis = np.random.default_rng(3).standard_normal((dim, k))  # any basis of a k-dim subspace
    est = widths.width_of_set(widths.subspace_sphere_sup(basis), dim, 4000, seed=0)
    assert within(est, widths.chi_mean(k))
    assert est.w2 == pytest.approx(k - 0.5, rel=0.05)  # (E chi_k)^2 ~ k - 1/2
    assert est.w2_stderr == pytest.approx(2 * est.w * est.w_stderr)


def test_point_cloud_width_of_cross_polytope_vertices():
    dim = 5  # vertices +-e_i: sup = max_i |g_i|, E max of 10 half-normals has a 1-D integral
    est = widths.width_of_set(widths.point_cloud_sup(np.vstack([np.eye(dim), -np.eye(dim)])), dim, 4000, seed=1)
    exact = integrate.quad(lambda t: 1 - math.erf(t / math.sqrt(2)) ** dim, 0, np.inf)[0]
    assert within(est, exact)


@pytest.mark.parametrize("dim", [3, 50, 1000])
@pytest.mark.parametrize("alpha", [0.0, 0.05, 0.4, math.pi / 2, 2.5, math.pi])
def test_cap_width_closed_form_matches_quadrature(dim, alpha):
    def dens(b):
        return math.sin(b) ** (dim - 2)

    def fn(b):
        return dens(b) * (1.0 if b <= alpha else math.cos(b - alpha))

    points = [math.pi / 2] + ([alpha] if 0 < alpha < math.pi else [])
    ratio = integrate.quad(fn, 0, math.pi, points=points, limit=400)[0] / integrate.quad(dens, 0, math.pi)[0]
    assert widths.spherical_cap_width(dim, alpha) == pytest.approx(widths.chi_mean(dim) * ratio, rel=1e-7, abs=1e-9)


def test_cap_width_monte_carlo_and_limits():
    dim, alpha = 30, 0.3
    axis = np.eye(dim)[0]
    est = widths.width_of_set(lambda g: widths.spherical_cap_sup(g, axis, alpha), dim, 4000, seed=2)
    assert within(est, widths.spherical_cap_width(dim, alpha))
    assert widths.spherical_cap_width(dim, 0.0) == pytest.approx(0.0, abs=1e-12)  # a single point
    assert widths.spherical_cap_width(dim, math.pi) == pytest.approx(widths.chi_mean(dim))  # the whole sphere


@pytest.mark.parametrize("radius", [0.3, 2.0, 4.5])
def test_far_ball_projects_to_cap_pointwise_and_in_width(radius):
    """A ball of radius r at distance R projects to the cap sin(alpha) = r / R: same sup for every g."""
    dim, distance = 60, 5.0
    alpha = math.asin(radius / distance)
    direction = np.random.default_rng(4).standard_normal(dim)
    direction /= np.linalg.norm(direction)
    g = np.random.default_rng(5).standard_normal((3000, dim))
    cone = widths.ellipsoid_cone(np.full(dim, radius), distance * direction)
    values, maximisers = widths.cone_sup(cone, g)
    cap = widths.spherical_cap_sup(g, direction, alpha)
    np.testing.assert_allclose(values, cap, rtol=1e-9, atol=1e-9)
    assert (values < 0).any() or radius > 1  # the small ball exercises the negative (polar) case
    np.testing.assert_allclose(np.linalg.norm(maximisers, axis=1), 1.0)
    assert np.all(maximisers @ direction >= math.cos(alpha) - 1e-9)  # maximisers lie in the cap
    est = widths.projected_ellipsoid_width(np.full(dim, radius), distance * direction, 3000, seed=5)
    assert est.w == pytest.approx(values.mean())
    assert within(est, widths.spherical_cap_width(dim, alpha))


def anisotropic_case(dim: int, seed: int, distance: float):
    rng = np.random.default_rng(seed)
    radii = np.exp(rng.uniform(np.log(0.2), np.log(3.0), dim))
    center = rng.standard_normal(dim)
    center *= distance / np.linalg.norm(center)
    return radii, center


@pytest.mark.parametrize("distance", [1.5, 6.0])
def test_anisotropic_ellipsoid_sup_is_feasible_and_beats_brute_force(distance):
    dim = 3
    radii, center = anisotropic_case(dim, 6, distance)
    assert np.sum((center / radii) ** 2) > 1  # the start (origin) is outside
    g = np.random.default_rng(7).standard_normal((150, dim))
    values, u = widths.cone_sup(widths.ellipsoid_cone(radii, center), g)
    # maximisers are unit vectors of the cone: some positive multiple lies on the ellipsoid
    m, b = 1 / radii**2, center / radii**2
    q = np.diag((center @ b - 1) * m) - np.outer(b, b)
    assert np.einsum("ij,jk,ik->i", u, q, u).max() <= 1e-9 and (u @ b).min() > 0
    np.testing.assert_allclose(np.einsum("ij,ij->i", u, g), values, atol=1e-12)
    s = np.random.default_rng(8).standard_normal((200_000, dim))
    x = center + radii * s / np.linalg.norm(s, axis=1, keepdims=True)  # the ellipsoid's boundary
    brute = (g @ (x / np.linalg.norm(x, axis=1, keepdims=True)).T).max(axis=1)
    assert np.all(values >= brute - 1e-12)
    assert np.all(values - brute <= 1e-3)


def test_anisotropic_sup_matches_constrained_optimiser():
    """In D = 8 every case (inside, projection, polar) agrees with SLSQP on the ratio to 1e-7."""
    dim = 8
    radii, center = anisotropic_case(dim, 9, 4.0)
    cone = widths.ellipsoid_cone(radii, center)
    g = np.random.default_rng(10).standard_normal((24, dim))
    g[0] = center + 0.1 * radii  # a g inside the cone
    g[1] = -center  # a g in the polar cone
    values, _ = widths.cone_sup(cone, g)
    assert values[0] == pytest.approx(np.linalg.norm(g[0])) and values[1] < 0
    rng = np.random.default_rng(11)
    for gi, value in zip(g, values):
        best = -np.inf
        for _ in range(4):
            s = rng.standard_normal(dim)
            res = optimize.minimize(
                lambda s, gi=gi: -(gi @ (center + radii * s)) / np.linalg.norm(center + radii * s),
                s / np.linalg.norm(s) * 0.5,
                constraints=[{"type": "ineq", "fun": lambda s: 1 - s @ s}],
                method="SLSQP",
                options={"ftol": 1e-14, "maxiter": 500},
            )
            best = max(best, -res.fun)
        assert value >= best - 1e-9
        assert value == pytest.approx(best, abs=1e-7)


def test_start_inside_gives_whole_sphere_and_closed_form():
    dim = 20
    cone = widths.ellipsoid_cone(np.full(dim, 2.0), np.full(dim, 0.1))
    assert cone.contains_start
    g = np.random.default_rng(0).standard_normal((10, dim))
    np.testing.assert_allclose(widths.cone_sup(cone, g)[0], np.linalg.norm(g, axis=1))
    assert widths.closed_form_width2(np.array([1.0, 2.0]), 2.0) == pytest.approx(1 / 5 + 4 / 8)


def test_width_is_seeded_and_tolerance_is_tight():
    radii, center = anisotropic_case(200, 12, 8.0)
    a = widths.projected_ellipsoid_width(radii, center, 200, seed=3)
    b = widths.projected_ellipsoid_width(radii, center, 200, seed=3)
    loose = widths.projected_ellipsoid_width(radii, center, 200, seed=3, tol=1e-6)
    assert a == b
    assert loose.w == pytest.approx(a.w, abs=1e-9)  # values are second order in the bracket width
