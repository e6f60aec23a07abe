"""The engine is pure computation: importing it loads no drawing, CLI or nn code."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FORBIDDEN = ("graphviz", "click", "chainrule.nn", "chainrule.viz", "chainrule.cli", "matplotlib")


def _modules_after(statement: str) -> set[str]:
    code = f"{statement}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=ROOT,
    )
    return set(json.loads(result.stdout))


def _loaded(modules: set[str]) -> list[str]:
    return [m for m in modules if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]


def test_import_chainrule_engine_loads_no_drawing_cli_or_nn():
    modules = _modules_after(
        "import chainrule.engine, chainrule.engine.expr, chainrule.engine.gradcheck, "
        "chainrule.engine.graph, chainrule.engine.ops, chainrule.engine.backward"
    )
    assert {"chainrule.engine", "chainrule.engine.expr", "chainrule.engine.ops"} <= modules
    assert _loaded(modules) == []


def test_the_check_itself_sees_a_forbidden_import():
    assert "click" in _loaded(_modules_after("import click"))


# Value's four edge slots (`_a`, `_b`, `_la`, `_lb`) and the pass mark are its storage layout:
# only value.py, which writes them, and backward.py, the hot loop that reads them, may touch
# them; everything else reads `children` and `local_grads`. (A Tensor keeps its own `_a`.)
_LAYOUT = re.compile(r"\._(a|b|la|lb|mark)\b")


def test_only_value_and_backward_touch_values_edge_slots():
    package = ROOT / "chainrule"
    allowed = {package / "engine" / "value.py", package / "engine" / "backward.py"}
    readers = {
        str(path.relative_to(ROOT))
        for path in package.rglob("*.py")
        if path not in allowed
        and path.name != "tensor.py"
        and _LAYOUT.search(path.read_text(encoding="utf-8"))
    }
    assert readers == set()
    tensor = (package / "engine" / "tensor.py").read_text(encoding="utf-8")
    assert {m.group(1) for m in _LAYOUT.finditer(tensor)} <= {"a", "mark"}  # its own slots
