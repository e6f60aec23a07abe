"""The lecture's example L = (θ1·θ2·x − y)², by hand, by the parser, and by finite differences."""

from __future__ import annotations

import pytest

from chainrule.engine.expr import parse
from chainrule.engine.gradcheck import gradcheck
from chainrule.engine.value import Value

POINT = {"θ1": 0.5, "θ2": -1.5, "x": 2.0, "y": 1.0}


def _closed_forms(θ1: float, θ2: float, x: float, y: float) -> dict[str, float]:
    residual = θ1 * θ2 * x - y
    # ∂L/∂θ1 = 2(θ1θ2x − y)·θ2x, and likewise for the others
    return {
        "θ1": 2 * residual * θ2 * x,
        "θ2": 2 * residual * θ1 * x,
        "x": 2 * residual * θ1 * θ2,
        "y": -2 * residual,
    }


def test_lecture_example_with_values():
    leaves = {name: Value(value, label=name) for name, value in POINT.items()}
    loss = (leaves["θ1"] * leaves["θ2"] * leaves["x"] - leaves["y"]) ** 2
    assert loss.data == 6.25
    loss.backward()
    assert leaves["θ1"].grad == 15.0
    assert {name: leaf.grad for name, leaf in leaves.items()} == _closed_forms(**POINT)
    assert _closed_forms(**POINT) == {"θ1": 15.0, "θ2": -5.0, "x": 3.75, "y": 5.0}


def test_lecture_example_parsed():
    loss, leaves = parse("(θ1*θ2*x - y)**2", **POINT)
    assert list(leaves) == ["θ1", "θ2", "x", "y"]
    assert all(leaf.label == name and leaf.requires_grad for name, leaf in leaves.items())
    assert loss.data == 6.25
    loss.backward()
    assert {name: leaf.grad for name, leaf in leaves.items()} == _closed_forms(**POINT)


@pytest.mark.parametrize("point", [(0.5, -1.5, 2.0, 1.0), (1.2, 0.3, -0.7, 2.5)])
def test_lecture_example_gradcheck(point):
    inputs = [Value(v, label=name) for name, v in zip(POINT, point)]
    assert gradcheck(lambda a, b, x, y: (a * b * x - y) ** 2, inputs)
