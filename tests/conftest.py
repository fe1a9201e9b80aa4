"""Shared fixtures: a tiny synthetic dataset in the package's Dataset form, torch and the BLAS on one thread, and the
workflow DAGs every test that reads them shares (tests/workflow_dags.py)."""

from pathlib import Path

import numpy as np
import pytest
import torch
from workflow_dags import DAGS, BackgroundDags

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


def dags_used(item: pytest.Item) -> list[str]:
    """The shared workflow DAGs (tests/workflow_dags.py) a test reads, in the order they run."""
    return [name for name in DAGS if name in item.fixturenames]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that read no shared DAG first (the DAGs run beside them), then each DAG's readers in the order the DAGs
    finish, so no test waits for a DAG while another one's results are ready."""
    order = list(DAGS)
    items.sort(key=lambda item: max((1 + order.index(name) for name in dags_used(item)), default=0))


@pytest.fixture(scope="session", autouse=True)
def workflow_dags(request, tmp_path_factory) -> BackgroundDags:
    """Starts, when the session starts, the shared DAGs the selected tests read, one after another in the background."""
    needed = {name for item in request.session.items for name in dags_used(item)}
    return BackgroundDags(tmp_path_factory.mktemp("dags"), [name for name in DAGS if name in needed])


@pytest.fixture(scope="session")
def smoke_project(workflow_dags) -> Path:
    """A project copy on which the smoke DAG (config/smoke.yaml, every target) has run once."""
    return workflow_dags.wait("smoke_project")


@pytest.fixture(scope="session")
def stages_project(workflow_dags) -> Path:
    """A project copy on which every stage's tiny block (tests/workflow_stages.py) has run once, in one command."""
    return workflow_dags.wait("stages_project")


@pytest.fixture(scope="session")
def tabular_project(workflow_dags) -> Path:
    """A project copy on which the tabular plug-in example (two plug-in models, SAID) has run to thresholds."""
    return workflow_dags.wait("tabular_project")


@pytest.fixture(scope="session")
def transfer_project(workflow_dags) -> Path:
    """A project copy on which the shrunk transfer experiment (pretrained, random, burn-in starts) has run."""
    return workflow_dags.wait("transfer_project")


@pytest.fixture(scope="session")
def hf_text_project(workflow_dags) -> Path:
    """A project copy on which the Hugging Face example (a tiny BERT on token features, SAID) has run on one d."""
    return workflow_dags.wait("hf_text_project")


@pytest.fixture(scope="session")
def parity_project(workflow_dags) -> Path:
    """A project copy on which the jamming stage has run on digits parity at depths 1 and 2."""
    return workflow_dags.wait("parity_project")
