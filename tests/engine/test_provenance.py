"""Provenance: the code fingerprint a rule reruns on follows the code it runs, not comments or other modules."""

import textwrap
from pathlib import Path

from dof.engine.provenance import code_fingerprint, git_dirty


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


def fake_package(tmp_path: Path) -> tuple[Path, Path]:
    """A package `dof` with a -> b imported by a script, and c imported by nobody."""
    package = tmp_path / "dof"
    write(package, "__init__.py", "")
    write(package, "a.py", "from dof.b import twice\n\ndef f(x):\n    return twice(x) + 1\n")
    write(package, "b.py", '"""Module b."""\n\ndef twice(x):\n    """Double."""\n    return 2 * x\n')
    write(package, "c.py", "def g():\n    return 3\n")
    write(tmp_path, "script.py", "from dof import a\n\nprint(a.f(1))\n")
    return package, tmp_path / "script.py"


def test_fingerprint_follows_imported_code_only(tmp_path):
    package, script = fake_package(tmp_path)
    before = code_fingerprint(script, package)
    (package / "b.py").write_text(
        '"""Module b, reworded."""\n\ndef twice(x):  # a comment\n    """Twice."""\n    return 2*x\n'
    )
    assert code_fingerprint(script, package) == before  # comments, docstrings and formatting do not count
    (package / "c.py").write_text("def g():\n    return 4\n")
    assert code_fingerprint(script, package) == before  # a module the script never imports does not count
    (package / "b.py").write_text("def twice(x):\n    return 3 * x\n")
    assert code_fingerprint(script, package) != before  # a change of what runs, two imports deep, does


def test_fingerprint_of_the_real_scripts_differs_between_training_and_figures():
    scripts = Path(__file__).resolve().parents[2] / "workflow" / "scripts"
    assert code_fingerprint(scripts / "train_subspaces.py") != code_fingerprint(scripts / "figures.py")
    assert git_dirty() in (True, False, None)


def test_fingerprint_does_not_depend_on_where_the_checkout_lives(tmp_path):
    """The same package and script in another folder (a moved checkout, a copy) give the same fingerprint."""
    import shutil

    package, script = fake_package(tmp_path / "here")
    elsewhere = tmp_path / "a" / "much" / "longer" / "path"
    shutil.copytree(tmp_path / "here", elsewhere)
    assert code_fingerprint(script, package) == code_fingerprint(elsewhere / "script.py", elsewhere / "dof")
