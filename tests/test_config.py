"""The config module is the single source of defaults: the schema must repeat them and the registries' names."""

import dataclasses
from pathlib import Path

import pytest
import yaml

from dof import config as cfg
from dof.analysis.refinement import LEVELS as REFINEMENT_LEVELS
from dof.engine.data import DATASETS
from dof.engine.models import MODELS
from dof.engine.projections import RANDOM_PROJECTIONS
from dof.theory.quadratic import SPECTRUM_KINDS

SCHEMA = yaml.safe_load((Path(__file__).resolve().parents[1] / "workflow/schemas/config.schema.yaml").read_text())
EMPTY = ((), None, "")
"""Placeholders of keys without a default (required keys, or optional ones like lottery.seeds)."""


def plain(value):
    """A dataclass default as YAML would hold it: tuples as lists."""
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def blocks(schema: dict, instance, path: str = ""):
    """(key path, schema property, dataclass default) for every key, walking nested blocks."""
    for field in dataclasses.fields(instance):
        where = f"{path}.{field.name}".lstrip(".")
        assert field.name in schema["properties"], f"{where} is a config field but not in the schema"
        value = getattr(instance, field.name)
        yield where, schema["properties"][field.name], value
        if dataclasses.is_dataclass(value):
            yield from blocks(schema["properties"][field.name], value, where)
    own = {f.name for f in dataclasses.fields(instance)}
    extra = sorted(set(schema["properties"]) - own)
    assert not extra, f"schema keys {extra} under {path or 'the top level'} have no config field"


def test_schema_defaults_equal_the_dataclass_defaults():
    checked = 0
    for where, prop, value in blocks(SCHEMA, cfg.ExperimentConfig()):
        if dataclasses.is_dataclass(value):
            assert prop.get("default") == {}, f"{where}: a block defaults to {{}} (its keys carry the defaults)"
        elif "default" in prop:
            assert plain(value) == prop["default"], f"{where}: schema {prop['default']!r}, config.py {value!r}"
            checked += 1
        else:
            assert value in EMPTY, f"{where} has a default in config.py ({value!r}) but not in the schema"
    assert checked > 50


def test_schema_allows_exactly_the_registered_names():
    props = SCHEMA["properties"]
    assert set(props["datasets"]["items"]["enum"]) == set(DATASETS)
    assert set(props["models"]["items"]["enum"]) == set(MODELS)
    assert set(props["subspace"]["properties"]["projection"]["enum"]) == set(RANDOM_PROJECTIONS)
    spectra = props["theory"]["properties"]["quadratic"]["properties"]["spectra"]["items"]
    assert set(spectra["properties"]["kind"]["enum"]) == set(SPECTRUM_KINDS)
    refine = props["thresholds"]["properties"]["refine"]["properties"]
    assert set(refine["levels"]["items"]["enum"]) == set(REFINEMENT_LEVELS)


def test_from_mapping_refuses_unknown_keys_naming_them():
    built = cfg.from_mapping(cfg.SubspaceConfig, {"lr": 0.1, "dims": [1, 2]}, "subspace")
    assert built.lr == 0.1 and built.dims == (1, 2)
    with pytest.raises(ValueError, match=r"subspace\.lrate"):
        cfg.from_mapping(cfg.SubspaceConfig, {"lrate": 0.1}, "subspace")
    nested = cfg.from_mapping(cfg.LotteryConfig, {"tickets": {"kept_fractions": [1.0, 0.1]}}, "lottery")
    assert nested.tickets.kept_fractions == (1.0, 0.1) and nested.tickets.prune_rate_per_round == 0.5
    with pytest.raises(ValueError, match=r"lottery\.tickets\.rate"):
        cfg.from_mapping(cfg.LotteryConfig, {"tickets": {"rate": 0.1}}, "lottery")


def test_hyperparameters_drop_the_grid_keys():
    block = {"dims": [1, 2], "seeds": [0], "seeds_per_job": 2, "lr": 0.1, "projection": "fastfood"}
    assert cfg.hyperparameters(cfg.SubspaceConfig, block) == {"lr": 0.1, "projection": "fastfood"}
    assert cfg.hyperparameters(cfg.BurnInConfig, {"t0": [0, 4], "lr": 0.05}) == {"lr": 0.05}


def test_lottery_dims_beyond_the_trajectory_are_refused_naming_the_keys():
    with pytest.raises(ValueError, match="lottery.dims"):
        cfg.check_lottery_dims(cfg.LotteryConfig(dims=(4, 200), trajectory_steps=640, record_every=5))
    cfg.check_lottery_dims(cfg.LotteryConfig(dims=(4, 128), trajectory_steps=640, record_every=5))


def test_refined_curves_outside_the_measured_ones_are_refused_naming_the_key():
    thresholds = cfg.ThresholdsConfig(metrics=("train_acc",), epsilons=(0.5, 0.9))
    with pytest.raises(ValueError, match=r"thresholds.refine.epsilons: \[0.7\]"):
        cfg.check_refined_curves(dataclasses.replace(thresholds, refine=cfg.RefineConfig(epsilons=(0.9, 0.7))))
    with pytest.raises(ValueError, match="thresholds.refine.metrics"):
        cfg.check_refined_curves(dataclasses.replace(thresholds, refine=cfg.RefineConfig(metrics=("test_acc",))))
    cfg.check_refined_curves(dataclasses.replace(thresholds, refine=cfg.RefineConfig(epsilons=(0.9,))))
