"""The theory stage's quadratic wells from their config block: grids, seeded spectra, P_s and width tables."""

import numpy as np
import pytest

from dof.config import QuadraticConfig, from_mapping
from dof.theory import quadratic

QUADRATIC = {
    "n_params": 40,
    "spectra": [
        {"name": "two", "kind": "bimodal", "params": {"fraction": 0.2, "large": 1.0, "small": 0.01}},
        {"name": "wide", "kind": "bulk"},
    ],
    "distances": [1.0, 3.0],
    "epsilons": [1e-3, 1e-2],
    "dims": None,
    "n_subspaces": 12,
    "n_width_samples": 40,
    "n_starts": 1,
    "seed": 0,
    "delta": 0.1,
}


def quad(settings: dict) -> QuadraticConfig:
    return from_mapping(QuadraticConfig, settings)


def test_quadratic_grid_and_spectra_from_settings():
    dims = quadratic.quadratic_dims(quad(QUADRATIC))
    assert dims[0] == 0 and dims[-1] == 40 and np.all(np.diff(dims) > 0)
    np.testing.assert_array_equal(quadratic.quadratic_dims(quad({**QUADRATIC, "dims": [8, 0, 40]})), [0, 8, 40])
    with pytest.raises(ValueError, match=r"dims: \[8, 0, 8, 40\] is not allowed; allowed: a list without repeated"):
        quad({**QUADRATIC, "dims": [8, 0, 8, 40]})  # the config refuses repeats (the schema did before pydantic)
    with pytest.raises(ValueError, match="n_params"):
        quadratic.quadratic_dims(quad({**QUADRATIC, "dims": [41]}))
    spectra = quadratic.quadratic_spectra(quad(QUADRATIC))
    assert list(spectra) == ["two", "wide"] and all(v.size == 40 for v in spectra.values())
    assert np.sum(spectra["two"] == 1.0) == 8
    np.testing.assert_array_equal(spectra["wide"], quadratic.quadratic_spectra(quad(QUADRATIC))["wide"])  # seeded
    twice = {**QUADRATIC, "spectra": [QUADRATIC["spectra"][0]] * 2}
    with pytest.raises(ValueError, match="twice"):
        quadratic.quadratic_spectra(quad(twice))


def test_quadratic_success_and_widths_tables():
    success = quadratic.quadratic_success(quad(QUADRATIC))
    assert list(success.columns) == [
        "spectrum",
        "n_params",
        "R",
        "d",
        "epsilon",
        "n_runs",
        "n_success",
        "p_success",
    ]
    assert len(success) == 2 * 2 * 2 * len(quadratic.quadratic_dims(quad(QUADRATIC)))
    table = quadratic.quadratic_widths(quad(QUADRATIC), success)
    assert len(table) == 2 * 2 * 2
    for column in ("w2", "w2_stderr", "w2_closed_form", "d_star_predicted", "d_star_empirical", "d_star_median"):
        assert column in table.columns
    assert (table["d_star_predicted"] == (table["n_params"] - table["w2"]).clip(lower=0)).all()
    assert (table["d_star_predicted_clipped"] == (table["w2"] > table["n_params"])).all()
    assert (table["d_star_median"].astype(float) <= table["d_star_empirical"].astype(float)).all()
    gap = table["d_star_empirical"].astype("Float64") - table["d_star_predicted"]
    np.testing.assert_allclose(table["gap_empirical"].astype(float), gap.astype(float))
