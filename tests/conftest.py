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


def dag_fixture(name: str):
    """The session fixture `name`: the project copy on which that DAG of tests/workflow_dags.py has run."""

    def finished_dag(workflow_dags: BackgroundDags) -> Path:
        return workflow_dags.wait(name)

    finished_dag.__doc__ = f"A project copy on which this DAG has run once: {DAGS[name].__doc__}"
    return pytest.fixture(scope="session", name=name)(finished_dag)


for _name in DAGS:  # smoke_project, stages_project, tabular_project, ...: one fixture a DAG
    globals()[_name] = dag_fixture(_name)
