"""The package layering, read from the imports of every module (function-level ones too), and
the one import name every module of the project goes by (``ecometrics.<package>``).

Data flows one way: ``collector`` (talks to the APIs, writes the store) -> ``analysis``
(reads it, builds tables) -> exports; ``jobs`` orchestrates them and is imported by no
other package; ``core`` holds what they all share and imports none of them; ``fakehub``
stands in for the real APIs, so it shares no code with the clients it is there to test.
An import inside a function is as much a dependency as one at the top: it only hides a
cycle from the interpreter until the function runs.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("analysis", "collector", "core", "fakehub", "jobs")  # the folders, each imported as ecometrics.<folder>

# package -> the project packages it may not import
FORBIDDEN = {
    "collector": {"analysis", "fakehub", "jobs"},
    "analysis": {"fakehub", "jobs"},
    "fakehub": {"analysis", "collector", "jobs"},
    "core": {"analysis", "collector", "fakehub", "jobs"},
}


def project_modules() -> dict[str, Path]:
    """Import name (``ecometrics.collector.store``) -> file of every module of the project's packages."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = ("ecometrics", *path.relative_to(ROOT).with_suffix("").parts)
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def package_of(module: str) -> str:
    """The folder a module of the project lives in: ``ecometrics.collector.store`` -> ``collector``."""
    return module.split(".")[1]


def imported_modules(name: str, path: Path, known: set[str]) -> Iterator[tuple[str, int]]:
    """The project modules ``name`` imports, with the line of each import statement.

    ``from package import module`` names the module when it is one, else the package.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: counted from the importing module's package
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in dict.fromkeys(_nearest_module(target, known) for target in targets):
            if target and target != name:
                yield target, node.lineno


def _nearest_module(dotted: str, known: set[str]) -> str:
    """The project module a dotted import name depends on: itself, else its nearest parent package."""
    while dotted and dotted not in known:
        dotted = dotted.rpartition(".")[0]
    return dotted


def import_graph() -> nx.DiGraph:
    """Module -> module for every import between project modules, each edge with its line."""
    modules = project_modules()
    graph: nx.DiGraph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        for target, line in imported_modules(name, path, set(modules)):
            if not graph.has_edge(name, target):
                graph.add_edge(name, target, line=line)
    return graph


def _where(graph: nx.DiGraph, source: str, target: str) -> str:
    return f"{source} (line {graph.edges[source, target]['line']}) imports {target}"


def test_the_reader_sees_every_kind_of_import(tmp_path):
    """The graph counts imports inside functions and ``from package import module``."""
    known = {
        "ecometrics.analysis",
        "ecometrics.analysis.frames",
        "ecometrics.analysis.lineage",
        "ecometrics.collector.store",
    }
    source = tmp_path / "lineage.py"
    source.write_text(
        "import json\n"
        "from ecometrics.analysis import frames\n"
        "from ecometrics.collector.store import Store, utc_now\n"
        "def later():\n"
        "    from . import frames as f\n"
        "    import ecometrics.analysis.lineage\n",
        encoding="utf-8",
    )
    found = sorted(imported_modules("ecometrics.analysis.lineage", source, known), key=lambda found: found[1])
    assert found == [
        ("ecometrics.analysis.frames", 2),
        ("ecometrics.collector.store", 3),
        ("ecometrics.analysis.frames", 5),
    ]


def test_no_import_cycle_among_the_project_modules():
    graph = import_graph()
    tangles = sorted(sorted(group) for group in nx.strongly_connected_components(graph) if len(group) > 1)
    described = [
        f"{', '.join(group)} import each other: "
        + "; ".join(_where(graph, *edge) for edge in graph.subgraph(group).edges)
        for group in tangles
    ]
    assert not described, "import cycles:\n" + "\n".join(described)


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_only_the_layers_below_it(package):
    graph = import_graph()
    crossings = [
        _where(graph, source, target)
        for source, target in graph.edges
        if package_of(source) == package and package_of(target) in FORBIDDEN[package]
    ]
    assert not crossings, f"{package} may not import {', '.join(sorted(FORBIDDEN[package]))}:\n" + "\n".join(crossings)


def test_the_graph_reads_every_package():
    """A renamed or missing package would make every rule above pass vacuously."""
    graph = import_graph()
    assert all(name.startswith("ecometrics.") for name in graph.nodes)
    packages = {package_of(name) for name in graph.nodes}
    assert packages == set(PACKAGES)
    assert graph.out_degree("ecometrics.jobs.pipeline") > 0


def python_sources() -> Iterator[tuple[str, str]]:
    """(where, source) of every Python file of the tree and every notebook code cell."""
    for folder in (*PACKAGES, "tests", "bench", "scripts"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for number, cell in enumerate(cells, 1):
            if cell["cell_type"] == "code":
                yield f"{path.relative_to(ROOT)} cell {number}", "".join(cell["source"])


def test_every_import_of_the_project_goes_by_the_ecometrics_name():
    """An import by a folder's own name (``collector`` for ``ecometrics.collector``) would still run
    from a checkout, where the folder is on sys.path, but not from an installed wheel, which has
    only ecometrics/: the project is imported one way."""
    old = []
    for where, source in python_sources():
        try:
            tree = ast.parse(source)
        except SyntaxError:  # a notebook cell with IPython syntax
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            old += [f"{where}:{node.lineno}: {name}" for name in names if name.split(".")[0] in PACKAGES]
    assert not old, "import these as ecometrics.<package> (ecometrics.collector.store, ...):\n" + "\n".join(old)
