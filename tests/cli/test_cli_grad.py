"""``chainrule grad``: the N-th derivative printed, and drawn as its own graph with -o."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "arguments, line",
    [
        (["--wrt", "θ1"], "∂L/∂θ1 = 15"),
        (["--wrt", "θ1", "--order", "2"], "∂²L/∂θ1² = 18"),
        (["--wrt", "θ2", "--order", "2"], "∂²L/∂θ2² = 2"),
        (["--wrt", "θ1", "--order", "3"], "∂³L/∂θ1³ = 0"),
        (["x**3", "--set", "x=2", "--wrt", "x", "--order", "3"], "∂³L/∂x³ = 6"),
        (["tanh(x)", "--set", "x=0.5", "--wrt", "x", "--order", "2"], "∂²L/∂x² = -0.7268619814"),
    ],
)
def test_grad_prints_the_derivative(run, arguments, line):
    result = run("grad", *arguments)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == line


def test_grad_draws_the_derivative_as_its_own_graph(run, workdir):
    result = run("grad", "--wrt", "θ1", "-o", "d.svg")
    assert result.exit_code == 0, result.output
    svg = (workdir / "d.svg").read_text()
    assert "∂L/∂θ1 as a graph" in svg and "data 15" in svg


def test_grad_tenth_order_works(run):
    result = run("grad", "exp(2*x)", "--set", "x=0", "--wrt", "x", "--order", "10")
    assert result.stdout.strip() == "∂¹⁰L/∂x¹⁰ = 1024"


@pytest.mark.parametrize(
    "arguments, fragments",
    [
        (["--wrt", "θ1", "--order", "0"], ["--order", "1 to 10", "got 0"]),
        (["--wrt", "θ1", "--order", "-1"], ["--order", "got -1"]),
        (["--wrt", "θ1", "--order", "11"], ["--order", "got 11"]),
        (["--wrt", "θ1", "--order", "two"], ["--order", "two"]),
        (["--wrt", "z"], ["no leaf named 'z'"]),
        ([], ["--wrt"]),
        (["--wrt", "θ1", "-o", "d.txt"], ["cannot tell the format"]),
    ],
)
def test_grad_usage_errors(run, user_error, workdir, arguments, fragments):
    user_error(run("grad", *arguments), 2, *fragments)
    assert list(workdir.iterdir()) == []


def test_grad_of_a_constant_derivative_has_nothing_to_draw(run, user_error, workdir):
    line = user_error(run("grad", "--wrt", "θ1", "--order", "3", "-o", "d.svg"), 1, "constant")
    assert "∂³L/∂θ1³" in line
    assert list(workdir.iterdir()) == []
