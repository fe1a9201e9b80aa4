"""Artifacts a real `snakemake` run writes get the mode a plain open() would give (0644 under umask 022), not 0600."""

import stat

import pytest

from dof.engine.io import current_umask


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_tables_checkpoints_and_figures_honour_the_umask(smoke_project):
    expected = 0o666 & ~current_umask()  # the test process's umask, which the snakemake subprocess inherits
    if current_umask() == 0o022:
        assert expected == 0o644
    results = smoke_project / "results" / "smoke"
    checkpoints = sorted((results / "burn_in").rglob("*.pt"))
    figures = sorted((results / "figures").glob("*.png"))
    if not checkpoints or not figures:
        pytest.fail(f"the smoke run left no checkpoint ({len(checkpoints)}) or PNG figure ({len(figures)})")
    for path in (results / "runs.parquet", checkpoints[0], figures[0]):
        assert mode(path) == expected, f"{path.relative_to(smoke_project)}: {oct(mode(path))} != {oct(expected)}"
