"""Every demo runs as a script with ``--out DIR``, exits 0 and writes its pictures there."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DEMOS_DIR = Path(__file__).resolve().parent.parent / "demos"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

#: Each demo, the files (relative to its output folder) it must write, and text it must print.
DEMOS: dict[str, tuple[list[str], list[str]]] = {
    "01_perceptron.py": (
        ["perceptron_graph.png", "perceptron_graph.svg", "perceptron_lines.png"],
        ["y = 0.6225"],
    ),
    "02_activations.py": (["activations.png"], ["sums to 1.000000"]),
    "03_nonlinearity.py": (
        ["xor_boundaries.png"],
        ["two layers with tanh (2 → 8 → 1)   accuracy 100%"],
    ),
    "04_outputs_and_losses.py": (["outputs_and_losses.png"], ["∂L/∂z = -0.3100 (= p − y)"]),
    "05_linear_regression.py": (["linear_regression.png"], ["closed form      θ* = (0.82487"]),
    "06_gradient_descent_limits.py": (
        ["gradient_descent_limits.png"],
        ["SGD + momentum 0.9, lr 0.01  ends at θ = -1.46"],
    ),
    "07_backpropagation.py": (
        [
            "graph.svg",
            "graph.png",
            "chain_rule_theta1.svg",
            "chain_rule_theta1.png",
            "chain_rule_theta2.svg",
            "chain_rule_theta2.png",
            "steps/index.html",
            "backprop.gif",
        ],
        ["L = 6.25", "∂L/∂θ1 = 15, ∂L/∂θ2 = −5", "steps/index.html"],
    ),
    "08_computational_graph.py": (
        ["forward_0.png", "forward_1.png", "forward_2.png", "backward.png", "backward.svg"]
        + ["steps/index.html", "forward_steps/index.html"],
        ["∂y/∂w = -2 (= x), ∂y/∂x = 3 (= w), ∂y/∂q = 1", "records ∂m/∂w = x = −2, ∂m/∂x = w = 3"],
    ),
    "09_universal_approximation.py": (
        ["universal_approximation.png", "weight_gradients.png", "weight_gradients.svg"],
        ["final MSE", "largest gradient ∂L/∂layers."],
    ),
    "10_classifier.py": (
        ["loss_curve.png", "decision_boundary.png", "one_sample_graph.svg", "one_sample_graph.png"]
        + ["largest_gradient.png"],
        ["% → 100%"],
    ),
    "11_gpt.py": (
        ["attention_head.svg", "attention_head.png"],
        ["4192 Values", "step    3 / 3: loss", "samples at temperature 0.5", "attention head 0"],
    ),
    "12_beyond_gradient_descent.py": (
        ["beyond_gradient_descent.png", "dL_dtheta1.svg", "dL_dtheta1.png"],
        [
            "from θ0 = +2.5: Newton θ = +1.3613 in 6 steps (a minimum)",
            "from θ0 = +0.3: Newton θ = +0.1005 in 4 steps (a maximum",
            "∂L/∂θ1 = 15, ∂²L/∂θ1² = 18 (= 2x²θ2²), Hessian [[18, -16], [-16, 2]]",
            "Newton in θ1 alone: θ1 = -0.3333 after one step, L = 0",
            "tanh at 0: derivatives 1, 0, -2",
        ],
    ),
}

#: Options that keep a demo short in the test suite.
ARGUMENTS: dict[str, list[str]] = {"11_gpt.py": ["--steps", "3"]}


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
        [sys.executable, str(path), "--out", str(out), *ARGUMENTS.get(script, [])],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout, "the demo should print where its files went"
    files, texts = DEMOS[script]
    for name in files:
        check_file(out / name)
    for text in texts:
        assert text in result.stdout, f"{script} should print {text!r}"
    assert not (tmp_path / "out").exists(), "the demo wrote to out/ despite --out"


def run_demo_10(tmp_path: Path, *, block_torch: bool) -> str:
    """Demo 10's output, run as a script (with ``import torch`` failing if `block_torch`)."""
    path = DEMOS_DIR / "10_classifier.py"
    block = "sys.modules['torch'] = None; " if block_torch else ""
    code = (
        f"import runpy, sys; {block}sys.path.insert(0, {str(DEMOS_DIR)!r}); "
        f"sys.argv = [{str(path)!r}, '--out', {str(tmp_path)!r}]; "
        f"runpy.run_path({str(path)!r}, run_name='__main__')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_demo_10_without_torch_says_so_and_skips_the_hand_over(tmp_path: Path) -> None:
    stdout = run_demo_10(tmp_path, block_torch=True)
    assert "PyTorch is not installed (pip install 'chainrule[torch]')" in stdout
    assert "% → 100%" in stdout


def test_demo_10_continues_in_torch_and_agrees(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="PyTorch (the optional torch extra) is not installed")
    stdout = run_demo_10(tmp_path, block_torch=False)
    handover = re.search(r"logits at the hand-over differ by at most (\S+)", stdout)
    drift = re.search(r"weights differ by at most (\S+)", stdout)
    assert handover and drift, stdout
    assert float(handover.group(1)) < 1e-12 and float(drift.group(1)) < 1e-8


def test_every_demo_script_is_tested() -> None:
    scripts = {p.name for p in DEMOS_DIR.glob("[0-9][0-9]_*.py")}
    assert scripts <= set(DEMOS), f"untested demos: {sorted(scripts - set(DEMOS))}"


def test_out_naming_a_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    taken = tmp_path / "notes.txt"
    taken.write_text("mine\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(DEMOS_DIR / "08_computational_graph.py"), "--out", str(taken)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"--out {taken}: cannot make the folder" in result.stderr
    assert taken.read_text(encoding="utf-8") == "mine\n"
