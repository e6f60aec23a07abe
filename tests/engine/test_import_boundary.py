"""The engine is pure computation: importing it loads no drawing, CLI or nn code."""

from __future__ import annotations

import json
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
        "chainrule.engine.graph"
    )
    assert "chainrule.engine" in modules and "chainrule.engine.expr" in modules
    assert _loaded(modules) == []


def test_the_check_itself_sees_a_forbidden_import():
    assert "click" in _loaded(_modules_after("import click"))
