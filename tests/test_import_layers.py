"""The import graph of sim/, targets/, reports/ and slotgrab/: no circle, no arrow pointing up.

The layer order (bottom first) is the one drawn in docs/architecture.md. A module may import
modules of its own layer or of any layer below; never above. Imports sit at module top; a
function-level import is allowed only to defer a heavy optional dependency, and says which in a
comment on its line (one of ``HEAVY``). The graph is read with ``ast`` (no module is imported),
counting every import, including those under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "targets", "reports", "slotgrab")

# bottom → top; a module's layer is that of the longest prefix listed
LAYERS: tuple[tuple[str, ...], ...] = (
    ("sim", "sim.rng", "sim.records", "sim.discovery"),  # `sim` itself: the version only
    ("sim.domain",),
    ("sim.policies",),
    ("sim.scenario",),
    ("sim.agents",),
    ("sim.service", "sim.metrics"),
    ("sim.drivers", "targets"),
    ("sim.experiments", "sim.attack"),  # an attack search is an experiment over crews
    ("reports",),
    ("sim.gates", "sim.demo"),
    ("sim.cli", "sim.bench"),  # bench modules are `slotgrab bench` subcommands
    ("slotgrab",),
)

# what a function-level import may defer, named in its comment
HEAVY = ("locust", "gevent", "matplotlib", "dask", "distributed", "psycopg", "uvicorn", "fastapi", "pandas",
         "mypyc")  # mypyc: the build step of the compiled hot path (sim/build_compiled.py), dev only


@dataclass(frozen=True)
class Edge:
    """One import statement: importer → imported project module."""

    source: str
    target: str
    line: int
    top: bool
    comment: str


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES if (ROOT / pkg).is_dir()
            for p in sorted((ROOT / pkg).rglob("*.py"))}


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imported_names(node: ast.Import | ast.ImportFrom, source: str, is_pkg: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = node.module or ""
    if node.level:
        parts = source.split(".")
        keep = len(parts) - node.level + (1 if is_pkg else 0)
        base = ".".join([*parts[:keep], *([node.module] if node.module else [])])
    return [f"{base}.{a.name}" for a in node.names] + [base]


def _statements(tree: ast.Module) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement and whether it runs at module import (top level, or in a
    top-level ``if``/``try`` such as ``if TYPE_CHECKING:``)."""
    top: set[int] = set()
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        node = stack.pop()
        top.add(id(node))
        if isinstance(node, ast.If | ast.Try):
            stack.extend([*node.body, *node.orelse, *getattr(node, "finalbody", []),
                          *(s for h in getattr(node, "handlers", []) for s in h.body)])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, id(node) in top


def _edges() -> tuple[list[Edge], list[tuple[str, int, str]]]:
    modules = _modules()
    edges: list[Edge] = []
    deferred: list[tuple[str, int, str]] = []  # every function-level import: (module, line, comment)
    for name, path in modules.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node, top in _statements(ast.parse("\n".join(lines))):
            comment = " ".join(lines[node.lineno - 1: (node.end_lineno or node.lineno)])
            comment = comment.partition("#")[2]
            if not top:
                deferred.append((name, node.lineno, comment))
            for imported in _imported_names(node, name, path.name == "__init__.py"):
                target = _resolve(imported, modules)
                if target is not None and target != name:
                    edges.append(Edge(name, target, node.lineno, top, comment))
                    break
    return edges, deferred


def layer_of(module: str) -> int:
    """Index of the module's layer in :data:`LAYERS` (longest matching prefix)."""
    best, length = -1, -1
    for i, prefixes in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > length:
                best, length = i, len(p)
    if best < 0:
        raise AssertionError(f"{module} is in no layer: add its package to LAYERS")
    return best


def _cycles(edges: list[Edge]) -> list[list[str]]:
    graph: dict[str, set[str]] = {}
    for e in edges:
        graph.setdefault(e.source, set()).add(e.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


EDGES, DEFERRED = _edges()


def test_the_graph_is_read() -> None:
    """The reader sees the imports it must see (a broken reader would pass every rule)."""
    pairs = {(e.source, e.target) for e in EDGES}
    assert ("sim.service.booking", "sim.domain.port") in pairs
    assert ("sim.drivers.simpy_driver", "sim.service.assembly") in pairs
    assert ("reports.build", "reports.html") in pairs
    assert len(EDGES) > 300


def test_no_import_circle() -> None:
    assert _cycles(EDGES) == []


def test_every_import_points_down_the_layers() -> None:
    upward = [f"{e.source}:{e.line} imports {e.target}" for e in EDGES
              if layer_of(e.target) > layer_of(e.source)]
    assert upward == []


def test_every_module_has_a_layer() -> None:
    for module in _modules():
        layer_of(module)


def test_function_level_imports_only_defer_heavy_dependencies() -> None:
    unexplained = [f"{m}:{line}" for m, line, comment in DEFERRED
                   if not any(h in comment.lower() for h in HEAVY)]
    assert unexplained == []


@pytest.mark.parametrize(("source", "target"), [
    ("sim.scenario.model", "sim.gates.check"),
    ("sim.agents.patient", "sim.drivers.simpy_driver"),
    ("sim.policies.base", "sim.scenario.model"),
])
def test_the_layer_order_forbids_upward_arrows(source: str, target: str) -> None:
    assert layer_of(target) > layer_of(source)


def test_a_circle_is_found() -> None:
    a, b = Edge("x.a", "x.b", 1, True, ""), Edge("x.b", "x.a", 1, True, "")
    assert _cycles([a, b]) == [["x.a", "x.b"]]
