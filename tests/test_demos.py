"""Every demo runs as a script with ``--out DIR``, exits 0 and writes its pictures there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DEMOS_DIR = Path(__file__).resolve().parent.parent / "demos"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

#: Each demo and the files (relative to its output folder) it must write.
DEMOS: dict[str, list[str]] = {
    "02_activations.py": ["activations.png"],
    "03_nonlinearity.py": ["xor_boundaries.png"],
    "04_outputs_and_losses.py": ["outputs_and_losses.png"],
    "05_linear_regression.py": ["linear_regression.png"],
    "06_gradient_descent_limits.py": ["gradient_descent_limits.png"],
    "09_universal_approximation.py": ["universal_approximation.png"],
}


def check_file(path: Path) -> None:
    assert path.is_file(), f"{path.name} was not written"
    content = path.read_bytes()
    assert content, f"{path.name} is empty"
    if path.suffix == ".png":
        assert content.startswith(PNG_MAGIC), f"{path.name} is not a PNG"
    elif path.suffix == ".svg":
        assert b"<svg" in content, f"{path.name} is not an SVG"
    elif path.suffix == ".html":
        assert b"<html" in content.lower(), f"{path.name} is not an HTML page"


@pytest.mark.parametrize("script", sorted(DEMOS))
def test_demo_runs_and_writes_its_files(script: str, tmp_path: Path) -> None:
    path = DEMOS_DIR / script
    assert path.is_file(), f"demo {script} is missing"
    out = tmp_path / "pictures"
    # Run from the temporary folder, so that a demo ignoring --out would not write in the repo.
    result = subprocess.run(
        [sys.executable, str(path), "--out", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout, "the demo should print where its files went"
    for name in DEMOS[script]:
        check_file(out / name)
    assert not (tmp_path / "out").exists(), "the demo wrote to out/ despite --out"


def test_every_demo_script_is_tested() -> None:
    scripts = {p.name for p in DEMOS_DIR.glob("[0-9][0-9]_*.py")}
    assert scripts <= set(DEMOS), f"untested demos: {sorted(scripts - set(DEMOS))}"
