"""Every op of the table: gradcheck at each point, closed-form values and local derivatives."""

from __future__ import annotations

import math

import pytest

from chainrule.engine import log_softmax, ops, softmax
from chainrule.engine.gradcheck import gradcheck
from chainrule.engine.value import Value
from tests.engine.op_cases import value_points

POINTS = value_points()
IDS = [f"{case.name}{point}" for case, point in POINTS]


def _leaves(point: tuple[float, ...]) -> list[Value]:
    return [Value(x, label=f"x{i}") for i, x in enumerate(point)]


@pytest.mark.parametrize(("case", "point"), POINTS, ids=IDS)
def test_gradcheck(case, point):
    assert gradcheck(case.build, _leaves(point))


@pytest.mark.parametrize(("case", "point"), POINTS, ids=IDS)
def test_value_and_gradient_match_closed_forms(case, point):
    leaves = _leaves(point)
    out = case.build(*leaves)
    assert out.data == pytest.approx(case.value(*point), rel=1e-12, abs=1e-300)
    out.backward()
    for leaf, expected in zip(leaves, case.grads(*point)):
        assert leaf.grad == pytest.approx(expected, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize(("case", "point"), POINTS, ids=IDS)
def test_local_grads_are_recorded_per_operand(case, point):
    leaves = _leaves(point)
    out = case.build(*leaves)
    assert len(out.children) == len(out.local_grads)
    assert out.op in ops.OPS
    info = ops.op_info(out.op)
    # one formula per operand; an op over a list of any length has one for all of them
    assert len(info.formulas) == (len(out.children) if info.arity is not None else 1)
    for child in out.children:
        if child not in leaves:  # a number mixed in: a constant leaf
            assert child.requires_grad is False and child.is_leaf and child.label is None


def test_constants_get_no_grad():
    x = Value(2.0, label="x")
    y = 3.0 * x + 1.0
    y.backward()
    constants = [c for node in (y, y.children[0]) for c in node.children if not c.requires_grad]
    assert len(constants) == 2
    assert all(c.grad == 0.0 for c in constants)
    assert x.grad == 3.0


@pytest.mark.parametrize("point", [(1.0, 2.0, 3.0), (-1.0, 0.0, 1000.0), (5.0, 5.0, 5.0)])
def test_softmax_values_gradients_and_sum(point):
    inputs = _leaves(point)
    outputs = softmax(inputs)
    top = max(point)
    total = sum(math.exp(x - top) for x in point)
    expected = [math.exp(x - top) / total for x in point]
    assert [s.data for s in outputs] == pytest.approx(expected, rel=1e-12)
    assert math.fsum(s.data for s in outputs) == pytest.approx(1.0, rel=1e-15)
    outputs[0].backward()
    # ∂s_0/∂x_j = s_0(δ_0j − s_j)
    grads = [expected[0] * ((j == 0) - expected[j]) for j in range(3)]
    assert [x.grad for x in inputs] == pytest.approx(grads, rel=1e-9, abs=1e-300)
    assert gradcheck(lambda *xs: softmax(xs), _leaves(point))


@pytest.mark.parametrize("point", [(1.0, 2.0, 3.0), (-1.0, 0.0, 1000.0), (0.5, -0.5, 0.0)])
def test_log_softmax_values_gradients(point):
    inputs = _leaves(point)
    outputs = log_softmax(inputs)
    top = max(point)
    log_total = top + math.log(sum(math.exp(x - top) for x in point))
    assert [o.data for o in outputs] == pytest.approx([x - log_total for x in point], rel=1e-12)
    outputs[1].backward()
    probabilities = [math.exp(x - log_total) for x in point]
    grads = [(j == 1) - probabilities[j] for j in range(3)]
    assert [x.grad for x in inputs] == pytest.approx(grads, rel=1e-9, abs=1e-300)
    assert gradcheck(lambda *xs: log_softmax(xs), _leaves(point))


def test_softmax_mixes_numbers_in_as_constants():
    x = Value(1.0, label="x")
    outputs = softmax([x, 2.0])
    assert [c.requires_grad for c in outputs[0].children] == [True, False]
    assert outputs[0].data == pytest.approx(1.0 / (1.0 + math.e))
