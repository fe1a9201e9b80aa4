"""The schema (YAML and JSON) and config/README.md's key tables are what dof.config.docs writes from the pydantic
blocks, so they cannot drift from the defaults, rules and descriptions in src/dof/config/; every shipped config is
valid under the schema its first line names for editors."""

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from dof.config import docs as config_docs

ROOT = Path(__file__).resolve().parents[1]


def test_the_committed_schema_is_the_generated_one():
    committed = (ROOT / config_docs.SCHEMA_PATH).read_text()
    assert committed == config_docs.schema_text(), "workflow/schemas/config.schema.yaml is stale: make config-docs"


def test_the_committed_json_schema_is_the_generated_one():
    committed = (ROOT / config_docs.JSON_SCHEMA_PATH).read_text()
    assert committed == config_docs.json_schema_text(), "workflow/schemas/config.schema.json is stale: make config-docs"
    assert json.loads(committed) == yaml.safe_load((ROOT / config_docs.SCHEMA_PATH).read_text())


SHIPPED = sorted([*ROOT.glob("config/*.yaml"), *ROOT.glob("examples/*.yaml")])


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_shipped_config_names_the_json_schema_and_is_valid_under_it(path):
    first = path.read_text().splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema="), f"{path}: the first line names no schema"
    schema_path = (path.parent / first.split("$schema=", 1)[1].strip()).resolve()
    assert schema_path == (ROOT / config_docs.JSON_SCHEMA_PATH).resolve()
    schema = json.loads(schema_path.read_text())
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    config = yaml.safe_load(path.read_text())
    errors = [error.message for error in validator(schema).iter_errors(config)]
    assert not errors, f"{path}: {errors}"


def test_the_readme_plugin_example_names_the_json_schema_and_is_valid_under_it():
    readme = (ROOT / "README.md").read_text()
    example = readme.split("```yaml\n# yaml-language-server: $schema=workflow/schemas/config.schema.json\n")[1]
    schema = json.loads((ROOT / config_docs.JSON_SCHEMA_PATH).read_text())
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(example.split("```")[0]))


def test_the_committed_readme_tables_are_the_generated_ones():
    committed = (ROOT / config_docs.README_PATH).read_text()
    assert committed == config_docs.readme_text(committed), "config/README.md's key tables are stale: make config-docs"


def test_the_generated_schema_is_valid_and_reads_back_as_written():
    text = config_docs.schema_text()
    assert yaml.safe_load(text) == config_docs.schema()
    jsonschema.Draft202012Validator.check_schema(config_docs.schema())


def test_the_readme_has_one_table_per_block_between_its_markers():
    tables = config_docs.tables()
    assert list(tables)[:3] == [config_docs.TOP_TABLE, "data", "burn_in"] and "connectivity" in tables
    assert "| `subspace.lr` | `0.05` | number > 0 | Adam's learning rate on phi |" in tables["subspace"]
    assert "| `lottery.seeds` | `null` | null or distinct integers >= 0, at least 1 |" in tables["lottery"]
    readme = (ROOT / config_docs.README_PATH).read_text()
    with pytest.raises(ValueError, match="key markers"):
        config_docs.readme_text(readme.replace("<!-- keys:baseline:start -->", ""))


NUMBERS = {"type": "number", "exclusiveMinimum": 0}


@pytest.mark.parametrize(
    ("prop", "expected"),
    [
        ({"type": "integer", "minimum": 1, "maximum": 1796}, "integer 1 .. 1796"),
        ({"type": "number", "minimum": 0, "exclusiveMaximum": 1}, "number in [0, 1)"),
        ({"type": ["integer", "null"], "minimum": 1}, "null or integer >= 1"),
        ({"type": "array", "uniqueItems": True, "items": {"type": "string", "enum": ["a", "b"]}}, "distinct of a, b"),
        ({"type": "array", "minItems": 2, "items": NUMBERS}, "numbers > 0, at least 2"),
    ],
)
def test_allowed_reads_the_rules(prop, expected):
    assert config_docs.allowed(prop) == expected


def test_check_names_a_stale_file_and_writing_mends_it(tmp_path, capsys):
    for path in (config_docs.SCHEMA_PATH, config_docs.JSON_SCHEMA_PATH, config_docs.README_PATH):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / path, tmp_path / path)
    assert config_docs.main(["--check", "--root", str(tmp_path)]) == 0
    schema = tmp_path / config_docs.SCHEMA_PATH
    schema.write_text(schema.read_text().replace("default: 0.05", "default: 0.5", 1))
    assert config_docs.main(["--check", "--root", str(tmp_path)]) == 1
    assert "config.schema.yaml is stale" in capsys.readouterr().err
    assert config_docs.main(["--root", str(tmp_path)]) == 0
    assert schema.read_text() == (ROOT / config_docs.SCHEMA_PATH).read_text()
