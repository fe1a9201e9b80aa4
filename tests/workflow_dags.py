"""The suite's workflow DAGs: each test config runs once per session, through the real snakemake command, in a
temporary copy of the project, and every test that asserts on its outputs shares that run.

`BackgroundDags` starts the DAGs the selected tests need when the session starts and runs them one after another in
a background thread, beside the unit tests; a DAG's fixture (tests/conftest.py) waits for its run. A new stage adds
its block to tests/workflow_stages.py (the stages DAG), not a DAG here."""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from workflow_helpers import copy_project, snakemake, write_config
from workflow_stages import stages_config, stages_targets

TINY = '''
import math

import numpy as np
from torch import nn


class Tiny(nn.Module):
    """One hidden layer of `width` units."""

    def __init__(self, input_shape, n_classes, width=8):
        super().__init__()
        hidden = nn.Linear(math.prod(input_shape), width)
        self.net = nn.Sequential(nn.Flatten(), hidden, nn.ReLU(), nn.Linear(width, n_classes))

    def forward(self, x):
        return self.net(x)


def not_a_module(input_shape, n_classes):
    return f"{n_classes} classes"


def bad_labels():
    x = np.zeros((8, 30))
    return x, np.arange(8) % 4, x, np.zeros(8, dtype=int), 2


def nan_features():
    x = np.zeros((8, 30))
    test = x.copy()
    test[5, 3] = np.nan
    return x, np.arange(8) % 2, test, np.zeros(8, dtype=int), 2
'''
"""A second plug-in model in its own module (mynets.py at the project root: editing it concerns its jobs only), and
bad plug-ins."""

TABULAR_CONFIG = "config/tabular_test.yaml"
TABULAR_TARGET = "results/tabular/thresholds.parquet"
TRANSFER_CONFIG = "config/transfer_test.yaml"
TRANSFER_TARGETS = [
    "results/transfer/thresholds.parquet",
    "results/transfer/figures/fig3_thresholds_mnist5k_hi_conv2.png",
]

HF_TEXT = "hf_text_said"
HF_TEXT_CONFIG = f"config/{HF_TEXT}_test.yaml"

PARITY_P = 60
PARITY = {
    "enabled": True,
    "datasets": ["digits"],
    "n_train": [PARITY_P],
    "depths": [1, 2],
    "widths": [1, 2, 16],  # N = 13, 25, 193 (depth 1); 15, 31, 465 (depth 2)
    "seeds": [0, 1, 2],
    "seeds_per_job": 3,
    "max_steps": 4000,  # the shipped rules on a shorter clock: plateaus of 200 steps, checked every 50
    "check_every": 50,
    "plateau_steps": 200,
    "subspace": {"dims": [8, 128], "depth": 1, "width": 32},  # N_wide = 385
}
"""Digits parity (issue 25) at depths 1 and 2 with the shipped optimiser and stop rules."""
PARITY_TABLES = ["jamming_runs", "jamming_success", "jamming_thresholds", "jamming_subspace_runs"]


def shrunk(config: dict, dims: list[int]) -> dict:
    """A shipped config on a tiny grid: t0 = 0, the given d, two seeds in one job, one epoch."""
    config["burn_in"]["t0"] = [0]
    subspace = config.setdefault("subspace", {})
    subspace.update(dims=dims, seeds=[0, 1], seeds_per_job=2, epochs=1)
    config["thresholds"]["n_bootstrap"] = 50
    return config


def save(workdir: Path, name: str, config: dict) -> str:
    """Write `config` to config/<name> in `workdir`; returns its path relative to `workdir`."""
    path = workdir / "config" / name
    path.write_text(yaml.safe_dump(config))
    return str(path.relative_to(workdir))


def smoke(workdir: Path) -> list[str]:
    """config/smoke.yaml, every target: the CI smoke DAG."""
    return ["--configfile", "config/smoke.yaml"]


def stages(workdir: Path) -> list[str]:
    """Every stage's tiny block in one config (tests/workflow_stages.py), their targets."""
    return [*stages_targets(), "--configfile", write_config(workdir, "stages.yaml", stages_config)]


def tabular(workdir: Path) -> list[str]:
    """The tabular example with a second model (a plug-in of its own module), in SAID subspaces, to thresholds."""
    (workdir / "mynets.py").write_text(TINY)
    config = shrunk(yaml.safe_load((workdir / "examples" / "tabular.yaml").read_text()), dims=[8])
    config["models"].append({"name": "tiny", "factory": "mynets:Tiny", "init": "own"})
    config["subspace"].update(projection="said", said_base="fastfood")  # SAID through the workflow, on plug-ins
    save(workdir, Path(TABULAR_CONFIG).name, config)
    return [TABULAR_TARGET, "--configfile", TABULAR_CONFIG]


def transfer(workdir: Path) -> list[str]:
    """config/transfer.yaml shrunk: pretrained, new-head (tuned) and random starts side by side, each with its full
    fine-tuning baseline, to thresholds and figure 3."""
    config = shrunk(yaml.safe_load((workdir / "config" / "transfer.yaml").read_text()), dims=[4, 64])
    config["baseline"]["epochs"] = 1
    for entry in (config["datasets"][0], config["pretrain"][0]["dataset"]):
        entry["kwargs"]["n_train"] = 1500  # mnist5k's first 1,500 of the split: about 750 per task
    save(workdir, Path(TRANSFER_CONFIG).name, config)
    return [*TRANSFER_TARGETS, "--configfile", TRANSFER_CONFIG]


def hf_text(workdir: Path) -> list[str]:
    """examples/hf_text_said.yaml (a tiny BERT on token features, SAID over fastfood) on one d, one seed, one epoch."""
    config = yaml.safe_load((workdir / "examples" / f"{HF_TEXT}.yaml").read_text())
    config["datasets"][0]["kwargs"].update(n_train=64, n_test=32)
    config["burn_in"]["t0"] = [0]
    config["subspace"].update(dims=[32], seeds=[0], seeds_per_job=1, epochs=1)
    config["thresholds"]["n_bootstrap"] = 20
    save(workdir, Path(HF_TEXT_CONFIG).name, config)
    return [f"results/{HF_TEXT}/thresholds.parquet", "--configfile", HF_TEXT_CONFIG]


def jamming_parity(workdir: Path) -> list[str]:
    """The jamming stage on digits parity (P = 60, depths 1 and 2, subspaces of a depth-1 network)."""

    def parity(config: dict) -> None:
        config["thresholds"]["n_bootstrap"] = 50
        config["jamming"] = PARITY

    path = write_config(workdir, "jamming_parity.yaml", parity)
    return [*[f"results/smoke/{name}.parquet" for name in PARITY_TABLES], "--configfile", path]


DAGS: dict[str, Callable[[Path], list[str]]] = {
    "smoke_project": smoke,
    "stages_project": stages,
    "tabular_project": tabular,
    "transfer_project": transfer,
    "hf_text_project": hf_text,
    "parity_project": jamming_parity,
}
"""Each DAG by the name of the fixture that shares it, in the order the background thread runs them."""


@dataclass
class BackgroundDags:
    """The DAGs a session needs, run one after another in a background thread; `wait` returns a finished one."""

    base: Path
    names: list[str]
    done: dict[str, threading.Event] = field(init=False)
    failures: dict[str, BaseException] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.done = {name: threading.Event() for name in self.names}
        threading.Thread(target=self._run_all, name="workflow-dags", daemon=True).start()

    def workdir(self, name: str) -> Path:
        return self.base / name

    def _run_all(self) -> None:
        for name in self.names:
            try:
                self.workdir(name).mkdir(parents=True)
                workdir = copy_project(self.workdir(name))
                snakemake(workdir, *DAGS[name](workdir))
            except BaseException as error:  # noqa: BLE001 - handed to the tests that wait for this DAG
                self.failures[name] = error
            finally:
                self.done[name].set()

    def wait(self, name: str) -> Path:
        """The finished DAG's project copy; raises the run's error in the test that needs it."""
        self.done[name].wait()
        if name in self.failures:
            raise AssertionError(f"the {name} DAG failed") from self.failures[name]
        return self.workdir(name)
