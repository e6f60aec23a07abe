"""The package's imports go one way, cli → viz → nn → engine, and never in a circle.

Read from the source with `ast`, so every import counts: at the top, inside functions
(imported lazily), and under ``if TYPE_CHECKING:`` (a type-only circle is still a circle).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "chainrule"

#: Floors, lowest first: a module may import from its own floor and the ones below.
#: ``chainrule._files`` is stdlib-only ground both nn and viz build on; the top-level package
#: re-exports the engine; ``__main__`` only runs the CLI.
FLOORS = {
    "chainrule": 0,
    "chainrule._files": 0,
    "chainrule.engine": 0,
    "chainrule.nn": 1,
    "chainrule.viz": 2,
    "chainrule.cli": 3,
    "chainrule.__main__": 3,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]) -> dict[str, int]:
    """The chainrule modules `name` imports, each with the line of its first import."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: dict[str, int] = {}

    def add(target: str, line: int) -> None:
        if target in known and target != name:
            found.setdefault(target, line)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                add(submodule if submodule in known else base, node.lineno)
    return found


def import_graph() -> dict[str, dict[str, int]]:
    found = modules()
    return {name: imports(name, path, set(found)) for name, path in found.items()}


def floor(name: str) -> int:
    owner = max((prefix for prefix in FLOORS if name == prefix or name.startswith(prefix + ".")),
                key=len)  # fmt: skip
    return FLOORS[owner]


def circles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(graph[target])))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_no_import_circles():
    graph = import_graph()
    described = [
        " ↔ ".join(f"{m} (line {graph[m][n]}: {n})" for m in c for n in graph[m] if n in c)
        for c in circles(graph)
    ]
    assert described == []


def test_imports_go_down_the_floors_only():
    upward = [
        f"{name} imports {target} (line {line})"
        for name, targets in import_graph().items()
        for target, line in targets.items()
        if floor(target) > floor(name)
    ]
    assert upward == []


def test_the_file_writer_is_ground_floor():
    assert import_graph()["chainrule._files"] == {}


def test_every_module_is_on_a_floor():
    for name in modules():
        floor(name)


@pytest.mark.parametrize(
    "graph, expected",
    [
        ({"a": {"b": 1}, "b": {"a": 1}}, [["a", "b"]]),
        ({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}, [["a", "b", "c"]]),
        ({"a": {"b": 1}, "b": {}, "c": {"b": 1}}, []),
    ],
)
def test_the_circle_finder_finds_circles(graph, expected):
    assert circles(graph) == expected


def test_type_only_and_function_level_imports_are_seen(tmp_path):
    source = tmp_path / "module.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from chainrule.viz.steps import Steps\n"
        "def f():\n    from chainrule.nn import optim\n    from . import html\n"
    )
    known = {"chainrule.viz.steps", "chainrule.nn.optim", "chainrule.nn", "chainrule.viz.html"}
    assert imports("chainrule.viz.text", source, known) == {
        "chainrule.viz.steps": 3,
        "chainrule.nn.optim": 5,
        "chainrule.viz.html": 6,
    }
