"""The command as a whole: --version, --help, the installed script, unexpected errors, fuzzing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainrule import __version__
from chainrule.cli import expression as cli_expression
from chainrule.cli.errors import DEBUG_VARIABLE

COMMANDS = ["render", "steps", "explain", "gradcheck", "train", "graph"]


def test_version(run):
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"chainrule, version {__version__}"


def test_help_lists_every_command(run):
    result = run("--help")
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(run, command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert f"chainrule {command}" in result.stdout.split("Examples:")[1]


def test_unknown_command(run, user_error):
    user_error(run("draw"), 2, "draw")


def test_an_unbounded_number_option_refuses_inf_without_naming_a_bound(run, user_error):
    line = user_error(run("graph", "m.json", "--input", "1", "--target", "inf"), 2, "--target")
    assert "finite number" in line and "-inf" not in line


def _environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key != DEBUG_VARIABLE}


def test_installed_script_renders(workdir):
    script = Path(sys.executable).parent / "chainrule"
    done = subprocess.run(
        [str(script), "render", "-o", "lecture.svg"],
        capture_output=True,
        text=True,
        env=_environment(),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "<svg" in (workdir / "lecture.svg").read_text()
    assert str(workdir / "lecture.svg") in done.stdout


def test_installed_script_refuses_hostile_input_in_one_line(workdir):
    script = Path(sys.executable).parent / "chainrule"
    done = subprocess.run(
        [str(script), "render", "__import__('os').system('touch pwned')"],
        capture_output=True,
        text=True,
        env=_environment(),
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: ")
    assert list(workdir.iterdir()) == []


def test_python_dash_m_version():
    done = subprocess.run(
        [sys.executable, "-m", "chainrule", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0
    assert __version__ in done.stdout


def _broken_parse(*args, **kwargs):
    raise ZeroDivisionError("boom")


def test_unexpected_errors_are_one_line_for_users(run, user_error, monkeypatch):
    monkeypatch.setattr(cli_expression, "parse", _broken_parse)
    monkeypatch.delenv(DEBUG_VARIABLE)
    user_error(run("explain"), 1, "unexpected ZeroDivisionError: boom")


def test_unexpected_errors_are_raised_with_the_debug_variable(run, monkeypatch):
    monkeypatch.setattr(cli_expression, "parse", _broken_parse)
    with pytest.raises(ZeroDivisionError):
        run("explain")


def test_ctrl_c_outside_training_is_one_error(run, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_expression, "parse", interrupted)
    result = run("gradcheck")
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if line] == ["Error: interrupted"]


TOKENS = ["x", "y", "1", "2.5", "1e308", "0", " ", "+", "-", "*", "/", "**", "(", ")", ","]
TOKENS += ["exp(", "log(", "sqrt(", "relu(", "tanh(", "leaky_relu(", "slope=", ".", "_", "'"]
FUNCTIONS = ["exp", "log", "sqrt", "abs", "relu", "sigmoid", "tanh", "gelu", "-"]
GRAMMAR = st.recursive(
    st.sampled_from(["x", "y", "1", "2.5", "0", "1e308", "-3"]),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**"]), inner).map(
            lambda parts: "({}{}{})".format(*parts)
        ),
        st.tuples(st.sampled_from(FUNCTIONS), inner).map(lambda parts: "{}({})".format(*parts)),
    ),
    max_leaves=8,
)
EXPRESSIONS = st.one_of(
    st.text(max_size=30),
    st.lists(st.sampled_from(TOKENS), min_size=1, max_size=16).map("".join),
    GRAMMAR,
)


def set_options(text: str) -> list[str]:
    """``--set`` for x and y when the text mentions them (an unused name is a usage error)."""
    options = []
    for name, value in (("x", "0.5"), ("y", "-1.5")):
        if re.search(rf"(?<![\w.]){name}(?!\w)", text):
            options += ["--set", f"{name}={value}"]
    return options


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=EXPRESSIONS, command=st.sampled_from(["explain", "gradcheck"]))
def test_random_text_never_gives_a_traceback(run, text, command):
    # the fixture keeps CHAINRULE_DEBUG set: an unexpected exception fails this test
    result = run(command, text, *set_options(text))
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code:
        assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("command", [["render"], ["render", "x*y", "--set", "x=1", "--set", "y=2"]])
def test_render_into_a_missing_folder_is_a_failure_and_creates_nothing(run, user_error, command):
    result = run(*command, "-o", "missing/graph.svg")
    user_error(result, 1, "no folder", "missing/graph.svg")
    assert not Path("missing").exists()
