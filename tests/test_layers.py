"""The package's layers: dof.config (a package of leaves), dof.tables -> dof.engine -> dof.theory -> dof.stages and,
beside the stages, dof.analysis; no import runs up the layers, stages and analysis never import each other, and the
import graph of dof has no cycle. Read from the syntax of every module (imports inside functions included)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "dof"

CONFIG = {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts) for p in (PACKAGE / "config").glob("*.py")}
LEAVES = {"dof.tables", "dof.config"} | {name for name in CONFIG if not name.endswith(".__init__")}
"""Layer 0: they import nothing of dof but each other (every module of the config package, dof.tables)."""

LAYERS = {"engine": 1, "theory": 2, "stages": 3, "analysis": 3}
"""The layer of every module of a subpackage (its __init__ included); a module imports its own subpackage and lower
layers only."""

TOP = {"dof", "dof.validation"}
"""May import anything: the package's __init__ and the configuration checks that need the engine and the stages."""


def module_names() -> dict[str, Path]:
    """Every module of the package by its dotted name (a package by the name of its __init__)."""
    names = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


MODULES = module_names()


def resolve(name: str) -> str:
    """The module a dotted name lives in: the longest prefix that is a module of the package."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def dof_imports(module: str) -> set[str]:
    """The dof modules `module` imports, at the top or inside functions: `import dof.x`, `from dof.x import y` (y if it
    is a module, else dof.x), `from dof import x` and relative imports."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {resolve(alias.name) for alias in node.names if alias.name.split(".")[0] == "dof"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            if source.split(".")[0] != "dof":
                continue
            found |= {resolve(f"{source}.{alias.name}") for alias in node.names}
    found.discard(module)
    return found


GRAPH = {module: dof_imports(module) for module in MODULES}


def layer(module: str) -> tuple[str, int]:
    """(group, layer) of a module: a leaf, a subpackage of LAYERS or TOP; fails for a module of no layer."""
    if module in TOP:
        return "top", 99
    if module in LEAVES:
        return "leaf", 0
    group = module.split(".")[1]
    assert group in LAYERS, f"{module} belongs to no layer: add it to LEAVES, LAYERS or TOP in tests/test_layers.py"
    return group, LAYERS[group]


def allowed(importer: str, imported: str) -> bool:
    if importer in TOP:
        return True
    if imported == "dof":
        return True  # the package root (dof.__version__, dof.__file__); the cycle check keeps it import-free for these
    if importer in LEAVES:
        return imported in LEAVES
    if imported in TOP:
        return False
    (group, level), (other, other_level) = layer(importer), layer(imported)
    return other == group or other_level < level


def test_every_module_has_a_layer():
    assert {"dof.config", "dof.tables", "dof.engine.training", "dof.stages.burn_in"} <= set(MODULES)
    for module in MODULES:
        layer(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_runs_up_the_layers(module):
    upward = sorted(imported for imported in GRAPH[module] if not allowed(module, imported))
    assert not upward, f"{module} ({layer(module)[0]}) imports {upward}"


def test_stages_and_analysis_never_import_each_other():
    for module, imported in GRAPH.items():
        groups = {layer(m)[0] for m in imported if m not in TOP}
        if module not in TOP and layer(module)[0] in ("stages", "analysis"):
            assert not groups & ({"stages", "analysis"} - {layer(module)[0]}), f"{module} imports {sorted(imported)}"


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a list of modules (first = last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_import_graph_has_no_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None
    cycle = find_cycle(GRAPH)
    assert cycle is None, " -> ".join(cycle)


def test_the_collector_sees_every_form_of_import(tmp_path, monkeypatch):
    """`import dof.x`, `from dof.x import y` of a module and of a name, `from dof import x`, relative and
    function-level imports."""
    source = (
        "import dof.engine.io\nfrom dof.engine import seeding\nfrom dof.theory.crossing import first_crossing\n"
        "from dof import tables\nfrom . import records\n\ndef f():\n    from dof.stages.jamming import n_parameters\n"
    )
    path = tmp_path / "probe.py"
    path.write_text(source)
    monkeypatch.setitem(MODULES, "dof.analysis.probe", path)
    assert dof_imports("dof.analysis.probe") == {
        "dof.engine.io",
        "dof.engine.seeding",
        "dof.theory.crossing",
        "dof.tables",
        "dof.analysis.records",
        "dof.stages.jamming",
    }
    assert not allowed("dof.analysis.probe", "dof.stages.jamming")
    assert not allowed("dof.theory.quadratic", "dof.analysis.thresholds")
    assert not allowed("dof.config", "dof.engine.io") and allowed("dof.config.docs", "dof.config.experiment")
    assert not allowed("dof.config.base", "dof.engine.io") and "dof.config.subspace" in LEAVES
    assert allowed("dof.stages.jamming", "dof.tables") and allowed("dof.validation", "dof.stages.jamming")
