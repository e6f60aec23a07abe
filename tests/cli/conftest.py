"""Fixtures of the CLI tests: a runner, a clean working folder, and bugs left visible."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from chainrule.cli import cli
from chainrule.cli.errors import DEBUG_VARIABLE


@pytest.fixture(autouse=True)
def workdir(tmp_path, monkeypatch):
    """Run every test in its own empty folder, with unexpected errors raised, not hidden."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(DEBUG_VARIABLE, "1")
    monkeypatch.delenv("CHAINRULE_DOT", raising=False)
    return tmp_path


@pytest.fixture
def run():
    """``run("render", "-o", "x.svg")``: invoke the CLI; unexpected exceptions fail the test."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        result = runner.invoke(cli, list(args), prog_name="chainrule")
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    return invoke


def check_user_error(result: Result, status: int, *fragments: str) -> str:
    """One line on stderr starting with 'Error:', the exit status, and no traceback."""
    assert result.exit_code == status, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def user_error():
    """``user_error(result, 2, "θ1")``: check a one-line user error; returns the line."""
    return check_user_error


@pytest.fixture
def unwritable_folder(workdir) -> Path:
    """A folder where no file can be created: read-only, or /proc when running as root
    (root ignores permission bits, but not even root creates files in /proc)."""
    folder = workdir / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    return folder if not os.access(folder, os.W_OK) else Path("/proc")
