"""The config accepts, refuses and converts exactly as before the move to pydantic (issue 33): every shipped config
and about 30 bad ones, against tests/data/config_migration.json, recorded with the dataclass config.

`python tests/test_config_migration.py` rewrites the fixture (only ever from the code whose behaviour is the
reference)."""

from __future__ import annotations

import copy
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "data" / "config_migration.json"
SHIPPED = (
    "config/config.yaml",
    "config/connectivity.yaml",
    "config/d_int90.yaml",
    "config/goldilocks.yaml",
    "config/jamming.yaml",
    "config/lottery.yaml",
    "config/paper.yaml",
    "config/smoke.yaml",
    "config/transfer.yaml",
    "examples/tabular.yaml",
)


def _set(path: str, value: Any) -> Callable[[dict], None]:
    """A change setting the dotted key `path` of a config to `value` (blocks created on the way)."""

    def change(config: dict) -> None:
        *parents, last = path.split(".")
        for part in parents:
            config = config.setdefault(part, {})
        config[last] = value

    return change


def _pop(path: str) -> Callable[[dict], None]:
    """A change removing the dotted key `path`."""

    def change(config: dict) -> None:
        *parents, last = path.split(".")
        for part in parents:
            config = config[part]
        config.pop(last)

    return change


BAD = {
    "unknown_top_key": _set("subspacee", {}),
    "unknown_block_key": _set("subspace.dimz", [1]),
    "nested_unknown_key": _set("lottery.tickets.keptfractions", [0.5]),
    "dims_not_a_list": _set("subspace.dims", "many"),
    "dims_empty": _set("subspace.dims", []),
    "dims_missing": _pop("subspace.dims"),
    "experiment_missing": _pop("experiment"),
    "dims_not_integers": _set("subspace.dims", [1.5]),
    "epsilon_above_1": _set("thresholds.epsilons", [0.5, 1.5]),
    "epsilon_zero": _set("thresholds.epsilons", [0.0]),
    "t0_negative": _set("burn_in.t0", [4, -4]),
    "t0_repeated": _set("burn_in.t0", [4, 4]),
    "model_unknown": _set("models", ["resnet9000"]),
    "dataset_misspelled": _set("datasets", ["mnist5kk"]),
    "dims_beyond_D": _set("subspace.dims", [8, 30000]),
    "seeds_per_job_zero": _set("subspace.seeds_per_job", 0),
    "projection_unknown": _set("subspace.projection", "gauss"),
    "n_subspaces_a_string": _set("theory.quadratic.n_subspaces", "many"),
    "dataset_block_misspelled_key": _set("datasets", [{"name": "w", "loadr": "a:b"}]),
    "model_block_bad_name": _set("models", ["conv2", {"name": "my-net", "factory": "a:b"}]),
    "experiment_bad_name": _set("experiment", "bad name!"),
    "mnist5k_n_train_too_large": _set("data.mnist5k.n_train", 5000),
    "jamming_pca_zero": _set("jamming.pca", 0),
    "goldilocks_epsilon_above_1": _set("goldilocks.epsilon", 1.5),
    "lottery_seeds_empty": _set("lottery.seeds", []),
    "connectivity_odd_seeds": lambda c: c.update(connectivity={"enabled": True, "seeds": [0, 1, 2]}),
    "refine_metric_unknown": _set("thresholds.refine.metrics", ["bogus"]),
    "refine_epsilon_unmeasured": _set("thresholds.refine.epsilons", [0.7]),
    "device_unknown": _set("device", "tpu"),
    "start_without_checkpoint": _set("starts", ["init", {"name": "s", "model": "conv2"}]),
    "burn_in_lr_zero": _set("burn_in.lr", 0),
    "beta1_one": _set("subspace.beta1", 1),
    "spectrum_param_a_string": _set(
        "theory.quadratic.spectra", [{"name": "x", "kind": "bulk", "params": {"low": "a"}}]
    ),
    "lottery_dims_beyond_trajectory": lambda c: c.update(lottery={"enabled": True, "dims": [4, 200]}),
    "track_code_a_string": _set("track_code", "yes"),
    "pretrain_unknown_model": _set("pretrain", [{"name": "p", "model": "fc", "dataset": "digits"}]),
}
"""Bad changes of config/smoke.yaml (merged over config/config.yaml, as `--configfile` does)."""

ACCEPTED = {
    "int_learning_rate": _set("burn_in.lr", 1),
    "int_epsilon": _set("thresholds.epsilons", [1, 0.5]),
    "null_seeds": _set("lottery.seeds", None),
    "spectrum_without_params": _set("theory.quadratic.spectra", [{"name": "x", "kind": "bulk"}]),
}
"""Unusual but valid changes of config/smoke.yaml, converted as before."""


def merged(configfile: str, change: Callable[[dict], None] | None = None) -> dict:
    """config/config.yaml with `configfile` merged over it (Snakemake's update_config), then `change`d."""
    from snakemake.utils import update_config

    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    update_config(config, yaml.safe_load((ROOT / configfile).read_text()))
    if change is not None:
        change(config)
    return config


def outcome(config: dict) -> dict[str, Any]:
    """What the workflow makes of `config` before any job: the Snakefile's schema check (defaults filled in), then
    check_grid; the refusal's message, or the config as plain data and the hashes of its blocks' settings."""
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    from dof.config import as_dict, hyperparameters
    from dof.engine.provenance import config_hash
    from dof.validation import check_grid, short_validation_error

    config = copy.deepcopy(config)
    try:
        validate(config, str(ROOT / "workflow" / "schemas" / "config.schema.yaml"))
    except WorkflowError as error:
        return {"refused": "schema", "message": str(short_validation_error(error))}
    try:
        experiment = check_grid(config)
    except (ValueError, FileNotFoundError) as error:
        return {"refused": "check_grid", "message": str(error)}
    hashes = {}
    for name, block in as_dict(experiment).items():
        block_cls = type(getattr(experiment, name))
        if isinstance(block, dict):
            hashes[name] = config_hash(block)
            hashes[f"{name}:settings"] = config_hash(hyperparameters(block_cls, block))
            for sub, value in block.items():
                if isinstance(value, dict):
                    sub_cls = type(getattr(getattr(experiment, name), sub))
                    hashes[f"{name}.{sub}:settings"] = config_hash(hyperparameters(sub_cls, value))
    return {"accepted": as_dict(experiment), "hashes": hashes, "experiment_hash": config_hash(as_dict(experiment))}


def cases() -> dict[str, dict]:
    """Every config checked, by name."""
    configs = {f"shipped:{path}": merged(path) for path in SHIPPED}
    configs |= {f"bad:{name}": merged("config/smoke.yaml", change) for name, change in BAD.items()}
    configs |= {f"accepted:{name}": merged("config/smoke.yaml", change) for name, change in ACCEPTED.items()}
    return configs


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text())


@pytest.fixture(autouse=True)
def _in_the_project(monkeypatch):
    monkeypatch.chdir(ROOT)  # plug-in paths and checkpoints are relative to the working directory


@pytest.mark.parametrize("name", list(cases()))
def test_the_config_is_accepted_or_refused_as_before(name, recorded):
    got, before = outcome(cases()[name]), recorded[name]
    if "refused" in before:
        assert got.get("refused") == before["refused"] and got.get("message") == before["message"], got
        assert len(got["message"].splitlines()) <= 4
    else:
        assert "accepted" in got, got.get("message")
        assert got == before


def test_every_shipped_config_and_enough_bad_ones_are_covered(recorded):
    assert set(recorded) == set(cases())
    assert sum(name.startswith("bad:") for name in recorded) >= 25
    assert all("refused" in recorded[f"bad:{name}"] for name in BAD)
    assert all("accepted" in recorded[f"shipped:{path}"] for path in SHIPPED)


if __name__ == "__main__":
    os.chdir(ROOT)
    FIXTURE.parent.mkdir(exist_ok=True)
    FIXTURE.write_text(json.dumps({name: outcome(config) for name, config in cases().items()}, indent=1) + "\n")
    print(f"wrote {FIXTURE}", file=sys.stderr)
