import numpy as np
import pandas as pd
import pytest
import torch

from dof.theory import quadratic, widths


def test_spectra_are_positive_sorted_seeded_and_documented_shapes():
    bimodal = quadratic.make_spectrum("bimodal", 100, seed=0, fraction=0.2, large=2.0, small=0.05)
    assert np.sum(bimodal == 2.0) == 20 and np.sum(bimodal == 0.05) == 80
    bulk = quadratic.make_spectrum("bulk", 500, seed=1, low=1e-3, high=1.0)
    assert np.all(np.diff(bulk) <= 0) and bulk.min() >= 1e-3 and bulk.max() <= 1.0
    assert np.median(np.log10(bulk)) == pytest.approx(-1.5, abs=0.15)  # log-uniform over three decades
    np.testing.assert_array_equal(bulk, quadratic.make_spectrum("bulk", 500, seed=1, low=1e-3, high=1.0))
    mp = quadratic.make_spectrum("marchenko_pastur", 400, seed=2, ratio=0.25)
    assert mp.min() > 0 and mp.max() == pytest.approx((1 + 0.5) ** 2, rel=0.1)  # MP edges (1 +- sqrt(ratio))^2
    jittered = quadratic.make_spectrum("bimodal", 100, seed=3, jitter=0.1)
    assert np.all(jittered > 0) and len(np.unique(jittered)) == 100
    with pytest.raises(KeyError):
        quadratic.make_spectrum("nope", 10)


def test_closed_form_subspace_minimum_equals_gradient_descent():
    dim, d = 50, 5
    rng = np.random.default_rng(0)
    h = quadratic.make_spectrum("bulk", dim, seed=0, low=0.1, high=1.0)
    theta_star, start = rng.standard_normal(dim), rng.standard_normal(dim)
    a = rng.standard_normal((dim, d)) / np.sqrt(dim)
    closed = quadratic.best_loss_in_subspace(h, theta_star, start, a)

    h_t, star_t, start_t, a_t = (torch.tensor(v) for v in (h, theta_star, start, a))
    phi = torch.zeros(d, dtype=torch.float64, requires_grad=True)
    step = 1.0 / np.linalg.eigvalsh(a.T @ (h[:, None] * a)).max()
    for _ in range(2_000):
        loss = 0.5 * (h_t * (start_t + a_t @ phi - star_t) ** 2).sum()
        (gradient,) = torch.autograd.grad(loss, phi)
        with torch.no_grad():
            phi -= step * gradient
    trained = float(0.5 * (h_t * (start_t + a_t @ phi.detach() - star_t) ** 2).sum())
    assert trained == pytest.approx(closed, rel=1e-6)
    assert closed < quadratic.quadratic_loss(h, theta_star, start)
    phi_star = quadratic.best_phi_in_subspace(h, theta_star, start, a)
    np.testing.assert_allclose(phi.detach().numpy(), phi_star, rtol=1e-5, atol=1e-8)


def test_nested_minima_equal_separate_least_squares():
    dim = 60
    rng = np.random.default_rng(1)
    h = quadratic.make_spectrum("bulk", dim, seed=1)
    offset, a = rng.standard_normal(dim), rng.standard_normal((dim, 60))
    dims = np.array([0, 1, 7, 30, 59, 60, 80])
    nested = quadratic.nested_subspace_min_losses(np.sqrt(h), offset, a, dims)
    zero = np.zeros(dim)
    expected = [quadratic.quadratic_loss(h, zero, offset)]
    expected += [quadratic.best_loss_in_subspace(h, zero, offset, a[:, :d]) for d in dims[1:5]]
    np.testing.assert_allclose(nested[:5], expected, rtol=1e-9)
    assert nested[5] == nested[6] == 0.0  # d >= D: the whole space


def test_success_probability_table_monotone_and_threshold_falls_with_distance():
    h = quadratic.make_spectrum("bimodal", 100, seed=0)
    dims = np.arange(0, 101, 5)
    eps = [1e-2, 3e-2]
    table = quadratic.success_probability(h, [1.0, 4.0], eps, dims, n_subspaces=40, seed=0, spectrum="bimodal")
    assert list(table.columns) == ["spectrum", "R", "d", "epsilon", "n_runs", "n_success", "p_success"]
    assert len(table) == 2 * len(dims) * len(eps) and (table["n_runs"] == 40).all()
    for _, cell in table.groupby(["R", "epsilon"]):
        assert np.all(np.diff(cell.sort_values("d")["p_success"].to_numpy()) >= 0)  # nested subspaces
    wide = table.pivot_table(index=["R", "d"], columns="epsilon", values="p_success")
    assert (wide[3e-2] >= wide[1e-2]).all()  # a larger epsilon is easier
    thresholds = quadratic.empirical_threshold(table, delta=0.1).set_index(["R", "epsilon"])["d_star_empirical"]
    for e in eps:
        assert thresholds.loc[(1.0, e)] < thresholds.loc[(4.0, e)]  # closer start: smaller threshold
    again = quadratic.success_probability(h, [1.0, 4.0], eps, dims, n_subspaces=40, seed=0, spectrum="bimodal")
    pd.testing.assert_frame_equal(table, again)


def test_predicted_threshold_matches_empirical_median_threshold():
    """d* = D - w^2 against the first d with P_s >= 1/2; tolerance: grid step 4 plus 8 dimensions (D = 160)."""
    dim = 160
    spectra = {"bulk": quadratic.make_spectrum("bulk", dim, seed=0)}
    dims = np.arange(0, dim + 1, 4)
    success = quadratic.success_probability(
        spectra["bulk"], [1.0, 2.0], [3e-3, 3e-2], dims, 40, seed=1, spectrum="bulk"
    )
    table = quadratic.width_table(spectra, [1.0, 2.0], [3e-3, 3e-2], n_samples=300, seed=2, success=success, delta=0.5)
    assert len(table) == 4 and (table["start_inside"] == 0).all()
    assert (table["w2_stderr"] < 2).all()
    gap = (table["d_star_empirical"].astype(float) - table["d_star_predicted"]).abs()
    assert (gap <= 4 + 8).all(), table[["R", "epsilon", "d_star_predicted", "d_star_empirical"]]
    # the paper's closed form is a rougher approximation of the same width
    assert ((table["w2_closed_form"] - table["w2"]).abs() <= 0.35 * table["w2"]).all()


def test_empirical_threshold_is_null_where_never_reached_not_the_int64_minimum():
    """Issue 12: a cell that never reaches 1 - delta gave -9223372036854775808 (a 0-d NaN array through Int64)."""
    from dof.config import QuadraticConfig, from_mapping

    settings = {
        "n_params": 200,
        "distances": [1.0, 4.0],
        "epsilons": [1e-3, 1e-1],
        "dims": [10, 50, 100, 150],
        "n_subspaces": 8,
        "n_width_samples": 20,
    }
    settings = from_mapping(QuadraticConfig, settings)
    success = quadratic.quadratic_success(settings)
    empirical = quadratic.empirical_threshold(success, delta=0.1)
    assert str(empirical["d_star_empirical"].dtype) == "Int64"
    assert empirical["d_star_empirical"].isna().any()  # d <= 150 of D = 200 does not reach every cell
    widths = quadratic.quadratic_widths(settings, success)
    for column in ("d_star_empirical", "d_star_median", "gap_empirical", "gap_median"):
        values = widths[column].astype("Float64")
        assert (values.dropna() > -1e6).all(), widths[["R", "epsilon", column]]  # no int64 minimum
    never = widths["d_star_empirical"].isna()
    assert never.any() and widths.loc[never, "gap_empirical"].isna().all()
    assert (widths["d_star_empirical"].dropna() >= 0).all()


def test_gordon_threshold_is_clipped_at_zero_and_flagged_where_the_monte_carlo_width_exceeds_sqrt_d():
    """From a start inside the sub-level set every sup is ||g||: w^2 scatters around E||g||^2 < D, and the draws
    above D would give a negative dimension (widths.parquet had d_star_predicted = -0.87 and -3.06)."""
    table = quadratic.width_table({"flat": np.ones(10)}, [0.1], [0.5, 1.0, 2.0, 4.0, 8.0, 16.0], n_samples=3, seed=0)
    assert (table["start_inside"] == 1.0).all()
    clipped = table["w2"] > 10
    assert clipped.any() and not clipped.all()  # both cases on this seed
    assert (table["d_star_predicted_clipped"] == clipped).all()
    assert (table.loc[clipped, "d_star_predicted"] == 0).all()
    unclipped = table[~clipped]
    np.testing.assert_allclose(unclipped["d_star_predicted"], 10 - unclipped["w2"])
    assert (table["d_star_predicted"] >= 0).all()
    assert widths.gordon_threshold(10, 10.5) == (0.0, True)
    assert widths.gordon_threshold(10, 9.5) == (0.5, False)
