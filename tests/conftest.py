"""Shared fixtures: a tiny synthetic dataset in the package's Dataset form, torch and the BLAS on one thread."""

from pathlib import Path

import numpy as np
import pytest
import torch
from workflow_helpers import copy_project, snakemake

from dof.engine.data import Dataset, from_arrays


@pytest.fixture(autouse=True, scope="session")
def _single_thread():
    """torch and the BLAS behind numpy/scipy on one thread, as the workflow's jobs run (and fast on busy cores)."""
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="session")
def tiny_data() -> Dataset:
    """64 train and 32 test 12x12 images of 3 classes, learnable (class = brightest third of the image)."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=96)
    images = rng.integers(0, 60, size=(96, 1, 12, 12)).astype(np.uint8)
    for i, label in enumerate(labels):
        images[i, 0, :, 4 * label : 4 * label + 4] += 180
    return from_arrays("tiny", images[:64], labels[:64], images[64:], labels[64:], 3)


@pytest.fixture(scope="session")
def smoke_project(tmp_path_factory) -> Path:
    """A temporary project copy on which the smoke DAG has run once, through the snakemake command line."""
    workdir = copy_project(tmp_path_factory.mktemp("smoke"))
    snakemake(workdir, "--configfile", "config/smoke.yaml")
    return workdir
