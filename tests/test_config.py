"""The config package is the single source of defaults and names: the schema repeats them, the registries agree."""

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dof import config as cfg
from dof.analysis.refinement import LEVELS as REFINEMENT_LEVELS
from dof.engine.data import DATASET_SHAPES, DATASETS
from dof.engine.models import ACTIVATIONS, MODELS
from dof.engine.projections import RANDOM_PROJECTIONS
from dof.engine.subspace import SUBSPACE_KINDS
from dof.theory.quadratic import SPECTRUM_KINDS

SCHEMA = yaml.safe_load((Path(__file__).resolve().parents[1] / "workflow/schemas/config.schema.yaml").read_text())
EMPTY = ((), None, "")
"""Placeholders of the required keys (no default in the schema)."""


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
            assert plain(value) == prop["default"], f"{where}: schema {prop['default']!r}, dof.config {value!r}"
            checked += 1
        else:
            assert value in EMPTY, f"{where} has a default in dof.config ({value!r}) but not in the schema"
    assert checked > 50


def test_the_config_names_are_the_registries_names():
    assert tuple(DATASETS) == tuple(DATASET_SHAPES) == cfg.DATASETS
    assert tuple(MODELS) == cfg.MODELS
    assert tuple(RANDOM_PROJECTIONS) == cfg.BASE_PROJECTIONS
    assert SUBSPACE_KINDS == cfg.PROJECTIONS
    assert cfg.SPECTRUM_KINDS == SPECTRUM_KINDS
    assert cfg.REFINEMENT_LEVELS == REFINEMENT_LEVELS
    assert set(cfg.ACTIVATIONS) == set(ACTIVATIONS)
    assert set(cfg.JAMMING_DATASETS) - {"gaussian"} <= set(DATASETS)


def test_schema_allows_exactly_the_registered_names():
    props = SCHEMA["properties"]
    assert set(props["datasets"]["items"]["anyOf"][0]["enum"]) == set(DATASETS)  # a built-in name, or a block
    assert set(props["models"]["items"]["anyOf"][0]["enum"]) == set(MODELS)
    assert props["models"]["items"]["anyOf"][1]["required"] == ["name", "factory"]
    assert set(props["subspace"]["properties"]["projection"]["enum"]) == set(SUBSPACE_KINDS)
    assert set(props["subspace"]["properties"]["said_base"]["enum"]) == set(RANDOM_PROJECTIONS)
    spectra = props["theory"]["properties"]["quadratic"]["properties"]["spectra"]["items"]
    assert set(spectra["properties"]["kind"]["enum"]) == set(SPECTRUM_KINDS)
    refine = props["thresholds"]["properties"]["refine"]["properties"]
    assert set(refine["levels"]["items"]["enum"]) == set(REFINEMENT_LEVELS)


def test_every_key_has_a_description():
    def undocumented(cls, prefix=""):
        for name, field in cls.__pydantic_fields__.items():
            if not field.description:
                yield prefix + name
            if dataclasses.is_dataclass(field.annotation):
                yield from undocumented(field.annotation, f"{prefix}{name}.")

    blocks = [cfg.ExperimentConfig, cfg.SpectrumConfig, cfg.DatasetSpec, cfg.ModelSpec, cfg.StartSpec, cfg.PretrainSpec]
    assert not [key for block in blocks for key in undocumented(block)]


def test_the_config_package_imports_neither_torch_nor_numpy_nor_the_rest_of_dof():
    code = (
        "import sys, dof.config, dof.config.docs; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'numpy', 'dof')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = eval(out)
    assert "dof.config.subspace" in loaded and "dof.config.docs" in loaded
    assert all(name == "dof" or name.startswith("dof.config") for name in loaded), loaded


def test_inherit_seeds_gives_every_null_seeds_its_parents():
    experiment = cfg.from_mapping(
        cfg.ExperimentConfig,
        {"subspace": {"dims": [4], "seeds": [3, 4]}, "jamming": {"seeds": [7]}, "goldilocks": {"seeds": [1]}},
    )
    resolved = cfg.inherit_seeds(experiment)
    assert resolved.lottery.seeds == (3, 4)  # null: the subspace seeds
    assert resolved.goldilocks.seeds == (1,)  # an explicit list stays
    assert resolved.jamming.subspace.seeds == (7,)  # null: the jamming seeds
    assert experiment.lottery.seeds is None and experiment.jamming.subspace.seeds is None  # a copy
    assert dataclasses.replace(resolved, lottery=experiment.lottery, jamming=experiment.jamming) == experiment
    assert cfg.inherit_seeds(resolved) == resolved


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


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [
        ({"subspacee": {}}, ["unknown config key subspacee", "did you mean subspace?", "thresholds"]),
        ({"subspace": {"projection": "gauss"}}, ["subspace.projection", "'gauss'", "dense, sparse"]),
        ({"burn_in": {"t0": [4, -4]}}, ["burn_in.t0[1]", "-4", ">= 0"]),
        ({"burn_in": {"t0": [4, 4]}}, ["burn_in.t0", "without repeated items"]),
        ({"theory": {"quadratic": {"n_subspaces": "many"}}}, ["theory.quadratic.n_subspaces", "integer"]),
        ({"lottery": {"tickets": {"keptfractions": [0.5]}}}, ["lottery.tickets.keptfractions", "kept_fractions?"]),
        ({"datasets": [{"name": "w", "loadr": "a:b"}]}, ["datasets[0].loadr", "did you mean datasets[0].loader?"]),
        ({"models": ["conv2", {"name": "my-net", "factory": "a:b"}]}, ["models[1].name", "'my-net'"]),
        ({"datasets": ["mnist5kk"]}, ["datasets[0]", "'mnist5kk'", "mnist5k, digits"]),
        ({"goldilocks": {"epsilon": 1.5}}, ["goldilocks.epsilon", "1.5", "<= 1\n"]),
        ({"track_code": "yes"}, ["track_code", "'yes'", "boolean"]),
        ({"theory": {"quadratic": {"spectra": [{"name": "x"}]}}}, ["theory.quadratic.spectra[0].kind missing"]),
        ({"theory": {"quadratic": {"spectra": [{"name": "x", "kind": "bulk", "params": {"low": "a"}}]}}}, ["low"]),
    ],
)
def test_pydantic_errors_read_like_the_schemas_naming_key_value_and_what_is_allowed(mapping, expected):
    with pytest.raises(ValueError) as error:
        cfg.from_mapping(cfg.ExperimentConfig, mapping)
    message = str(error.value)
    assert len(message.splitlines()) <= 3 and "pydantic" not in message
    for text in expected:
        assert text in message


def test_a_block_converts_as_before_keeping_ints_and_plain_mappings():
    quadratic = cfg.from_mapping(
        cfg.QuadraticConfig, {"spectra": [{"name": "x", "kind": "bulk"}], "distances": [1, 2.5]}
    )
    assert quadratic.spectra == ({"name": "x", "kind": "bulk"},) and quadratic.distances == (1, 2.5)
    assert type(quadratic.distances[0]) is int  # as_dict and the config hashes see what the YAML holds
    assert cfg.from_mapping(cfg.SubspaceConfig, {"lr": 1}).lr == 1 and cfg.SubspaceConfig().dims == ()
    assert cfg.ExperimentConfig().data.mnist5k.n_train == 4000 and cfg.ExperimentConfig().data.digits.n_train == 1400
