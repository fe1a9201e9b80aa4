"""config/README.md describes every config key of the schema, each written as its full path in backticks."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


def resolve(node: dict, schema: dict) -> dict:
    """A local `$ref` ("#/$defs/x") replaced by what it points to."""
    while isinstance(node, dict) and str(node.get("$ref", "")).startswith("#/"):
        for part in node["$ref"][2:].split("/"):
            schema = schema[part]
        node = schema
    return node


def key_paths(node: dict, schema: dict, prefix: str = "") -> list[str]:
    """Every key path under `node`: nested blocks joined with '.', keys of a list's items as `list[].key`."""
    node = resolve(node, schema)
    paths = []
    for name, child in node.get("properties", {}).items():
        path = f"{prefix}{name}"
        paths.append(path)
        paths += key_paths(child, schema, f"{path}.")
        items = resolve(resolve(child, schema).get("items", {}), schema)
        if isinstance(items, dict) and "properties" in items:
            paths += key_paths(items, schema, f"{path}[].")
    return paths


def test_key_paths_walk_nested_blocks_and_list_items():
    schema = {
        "properties": {
            "a": {"properties": {"b": {"$ref": "#/$defs/c"}}},
            "s": {"type": "array", "items": {"properties": {"name": {}}}},
        },
        "$defs": {"c": {"properties": {"d": {}}}},
    }
    assert key_paths(schema, schema) == ["a", "a.b", "a.b.d", "s", "s[].name"]


def test_every_schema_key_is_in_the_config_readme():
    schema = yaml.safe_load(SCHEMA.read_text())
    readme = (ROOT / "config" / "README.md").read_text()
    paths = key_paths(schema, schema)
    assert {"subspace.dims", "theory.quadratic.n_subspaces", "lottery.tickets.kept_fractions"} <= set(paths)
    missing = [path for path in paths if f"`{path}`" not in readme]
    assert not missing, f"config/README.md lacks {missing}"
