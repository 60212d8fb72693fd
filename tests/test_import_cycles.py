"""No import circles among the ``geo.*`` modules (issue 14: the store, its cache and its PostGIS backend imported one
another in a circle).

Every ``import`` and ``from … import`` of every module under ``geo/`` is read with :mod:`ast`, at module level and
inside functions alike (a function-level import only hides a circle until the function runs), and the graph is
searched for a cycle. ``from .pkg import name`` counts as an import of ``pkg.name`` where that is a module, else of
``pkg``. A submodule's implicit import of its parent package is not an edge (every package whose ``__init__``
re-exports its submodules would otherwise be a circle); a submodule importing *from its own package's*
``__init__`` is one, and is what this test forbids.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

GEO = Path(__file__).resolve().parent.parent / "geo"


def module_names(root: Path = GEO) -> dict[str, Path]:
    out = {}
    for p in sorted(root.rglob("*.py")):
        parts = list(p.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The ``geo.*`` modules that module ``name`` (file ``path``) imports anywhere in its body."""
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:  # a name inside a module: that module
                t = t.rpartition(".")[0]
            if t and t != name:
                out.add(t)
    return out


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of nodes (first == last), or None."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(graph, WHITE)
    stack: list[str] = []

    def visit(n: str):
        colour[n] = GREY
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if colour.get(m, BLACK) == GREY:
                return stack[stack.index(m):] + [m]
            if colour.get(m) == WHITE:
                found = visit(m)
                if found:
                    return found
        stack.pop()
        colour[n] = BLACK
        return None

    for n in sorted(graph):
        if colour[n] == WHITE:
            found = visit(n)
            if found:
                return found
    return None


def import_graph(root: Path = GEO) -> dict[str, set[str]]:
    mods = module_names(root)
    return {n: imports_of(n, p, set(mods)) for n, p in mods.items()}


def test_the_cycle_finder_finds_a_circle_and_passes_a_tree(tmp_path):
    pkg = tmp_path / "geo"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .b import f\n")
    (pkg / "b.py").write_text("def f():\n    from . import c\n")  # a function-level import
    (pkg / "c.py").write_text("import geo.sub\n")
    (pkg / "sub" / "__init__.py").write_text("from .x import y\n")  # a package re-exporting its submodule
    (pkg / "sub" / "x.py").write_text("y = 1\n")
    graph = import_graph(pkg)
    assert graph["geo.b"] == {"geo.c"} and graph["geo.sub"] == {"geo.sub.x"}
    assert find_cycle(graph) is None
    (pkg / "sub" / "x.py").write_text("from ..a import f\ny = 1\n")  # sub.x -> a -> b -(in f)-> c -> sub -> sub.x
    cycle = find_cycle(import_graph(pkg))
    assert cycle is not None and cycle[0] == cycle[-1] and {"geo.a", "geo.b", "geo.sub.x"} <= set(cycle)
    (pkg / "sub" / "x.py").write_text("from . import z\n")  # importing from its own package's __init__
    (pkg / "sub" / "__init__.py").write_text("from .x import y\nz = 1\n")
    assert find_cycle(import_graph(pkg)) == ["geo.sub", "geo.sub.x", "geo.sub"]


def test_no_import_cycle_among_geo_modules():
    cycle = find_cycle(import_graph())
    if cycle:
        pytest.fail("import circle: " + " -> ".join(cycle))
