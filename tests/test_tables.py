"""The table keys of dof.tables and docs/tables.md agree: every key names its table, and the page lists that table's
key columns, in order, as "one row per (`a`, `b`, ...)" right after the table's file name."""

import re
from pathlib import Path

import pytest

from dof import tables

DOC = Path(__file__).resolve().parents[1] / "docs" / "tables.md"

KEYS = {name: value for name, value in vars(tables).items() if name.endswith("_KEY")}


def documented_key(doc: str, table: str) -> tuple[str, ...] | None:
    """The backticked columns of the first "one row per (...)" after `table` in the same paragraph or list item,
    before any other table is named; None where there is none."""
    for match in re.finditer(rf"`{re.escape(table)}`", doc):
        rest = re.split(r"\n\s*\n|\n- ", doc[match.end() :], maxsplit=1)[0]
        key = re.search(r"one row per \(([^)]*)\)", rest)
        if key and not re.search(r"`[^`]+\.parquet`", rest[: key.start()]):
            return tuple(re.findall(r"`([^`]+)`", key.group(1)))
    return None


def test_every_key_is_a_tuple_of_distinct_columns_and_names_its_table():
    assert KEYS, "dof.tables defines no *_KEY"
    named = {id(key) for key in tables.TABLE_KEYS.values()}
    for name, key in KEYS.items():
        assert isinstance(key, tuple) and all(isinstance(c, str) for c in key), name
        assert len(set(key)) == len(key), f"{name} repeats a column"
        assert id(key) in named, f"{name} is missing from dof.tables.TABLE_KEYS (the table it identifies)"


@pytest.mark.parametrize("table", sorted(tables.TABLE_KEYS))
def test_docs_list_the_key_columns_of_every_table(table):
    doc = DOC.read_text()
    assert f"`{table}`" in doc, f"docs/tables.md does not name {table}"
    found = documented_key(doc, table)
    assert found == tables.TABLE_KEYS[table], (
        f"docs/tables.md gives {table} the key {found}; dof.tables says {tables.TABLE_KEYS[table]}"
    )


def test_the_check_sees_a_renamed_column():
    doc = DOC.read_text()
    table, key = "jamming_runs.parquet", tables.JAMMING_RUN_KEY
    assert documented_key(doc, table) == key
    assert documented_key(doc.replace("`n_train` = P", "`n_points` = P"), table) != key
