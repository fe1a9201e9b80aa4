"""Where the workflow runs: envs/dof.yaml (`--sdm conda`) is self-contained and pins exactly what requirements.txt
pins; the profiles retry failed jobs only on the cluster."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")


def pins(lines: list[str], where: str) -> dict[str, str]:
    """{normalised name: version} of `name==version` lines; anything else (a -r, -e or path) is an error."""
    found = {}
    for line in lines:
        match = PIN.match(line.strip())
        assert match, f"{where}: {line!r} is not a name==version pin"
        name = re.sub(r"[-_.]+", "-", match[1]).lower()
        assert name not in found, f"{where}: {name} pinned twice"
        found[name] = match[2]
    return found


def requirements_pins() -> dict[str, str]:
    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    return pins([line for line in lines if line], "requirements.txt")


def conda_env() -> dict:
    return yaml.safe_load((ROOT / "envs" / "dof.yaml").read_text())


def test_conda_env_pins_exactly_the_requirements():
    dependencies = conda_env()["dependencies"]
    pip_lists = [dep["pip"] for dep in dependencies if isinstance(dep, dict)]
    assert len(pip_lists) == 1
    assert pins(pip_lists[0], "envs/dof.yaml") == requirements_pins()


def test_conda_env_is_python_311_and_pip_and_refers_to_no_other_file():
    dependencies = conda_env()["dependencies"]
    conda_packages = [dep for dep in dependencies if isinstance(dep, str)]
    assert conda_packages == ["python=3.11", "pip"]
    text = (ROOT / "envs" / "dof.yaml").read_text()
    assert not re.search(r"^\s*-\s*(-r|-e|\.)", text, re.MULTILINE)


def test_post_deploy_script_installs_the_package_the_scripts_import():
    """Snakemake runs envs/<name>.post-deploy.sh once in a new env; the rules' scripts need `dof` in it."""
    script = (ROOT / "envs" / "dof.post-deploy.sh").read_text()
    assert "pip install" in script and "DOF_SOURCE" in script


def test_only_the_cluster_profile_retries_failed_jobs():
    """On a workstation a failure is a bug or a bad config: a retry only doubles the wait for its log."""
    workstation = yaml.safe_load((ROOT / "profiles" / "default" / "config.yaml").read_text())
    cluster = yaml.safe_load((ROOT / "profiles" / "slurm" / "config.yaml").read_text())
    assert "retries" not in workstation
    assert cluster["retries"] >= 1
