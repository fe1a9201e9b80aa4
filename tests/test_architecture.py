"""One name per stage: every script a rules file runs and every caption it shows names the stage of that rules file,
so that `grep -ril <stage>` finds all of a stage (docs/architecture.md maps the rest)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RULES = sorted(p for p in (ROOT / "workflow" / "rules").glob("*.smk") if p.stem != "common" and "_inputs" not in p.stem)


def files_used(rules_file: Path) -> list[Path]:
    """The scripts and report captions a rules file names."""
    text = rules_file.read_text()
    names = re.findall(r'"\.\./(scripts/\w+\.py|report/\w+\.rst)"', text)
    return [ROOT / "workflow" / name for name in names]


def test_every_rules_file_names_files():
    assert {p.stem for p in RULES} >= {"burn_in", "subspace", "baseline", "goldilocks", "confinement", "lottery"}
    assert all(files_used(p) for p in RULES)


@pytest.mark.parametrize("rules_file", RULES, ids=lambda p: p.stem)
def test_scripts_and_captions_name_their_stage(rules_file):
    stage = rules_file.stem.replace("_", "[-_ ]")
    missing = [f.name for f in files_used(rules_file) if not re.search(stage, f.read_text(), re.IGNORECASE)]
    assert not missing, f"{missing} do not mention the {rules_file.stem} stage of {rules_file.name}"
