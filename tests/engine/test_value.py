"""Value's inline fast paths (+, ×, relu, tanh) compute exactly what their op records say."""

from __future__ import annotations

import math

import pytest

from chainrule import Value, detect_anomaly, no_grad
from chainrule.engine.ops import ADD, MUL, RELU, TANH

POINTS = [0.0, -0.0, 1.5, -2.25, 1e-300, -1e300, 3.0e5, math.inf, -math.inf, math.nan, 0.7]


def _same(x: float, y: float) -> bool:
    """Equal to the last bit, nan equal to nan, 0.0 unequal to −0.0."""
    return math.copysign(1.0, x) == math.copysign(1.0, y) and (
        x == y or (math.isnan(x) and math.isnan(y))
    )


def _agree(out: Value, expected: tuple[float, tuple[float, ...]]) -> bool:
    data, local_grads = expected
    return _same(out.data, data) and all(map(_same, out.local_grads, local_grads))


@pytest.mark.parametrize("a", POINTS)
@pytest.mark.parametrize("b", POINTS)
def test_add_and_mul_fast_paths_equal_their_records(a, b):
    assert _agree(Value(a) + Value(b), ADD.scalar(a, b))  # type: ignore[misc]
    assert _agree(Value(a) * Value(b), MUL.scalar(a, b))  # type: ignore[misc]
    assert _agree(Value(a) + b, ADD.scalar(a, b))  # type: ignore[misc]
    assert _agree(a * Value(b), MUL.scalar(a, b))  # type: ignore[misc]


@pytest.mark.parametrize("a", POINTS)
def test_relu_and_tanh_fast_paths_equal_their_records(a):
    assert _agree(Value(a).relu(), RELU.scalar(a))  # type: ignore[misc]
    assert _agree(Value(a).tanh(), TANH.scalar(a))  # type: ignore[misc]


@pytest.mark.parametrize("mode", [detect_anomaly, no_grad])
def test_the_slow_paths_compute_the_same_values(mode):
    a, b = Value(0.3), Value(-1.2)
    fast = [a + b, a * b, a.relu(), b.relu(), a.tanh()]
    with mode():
        slow = [a + b, a * b, a.relu(), b.relu(), a.tanh()]
    assert [s.data for s in slow] == [f.data for f in fast]
    if mode is detect_anomaly:  # the graph is recorded, through the records
        assert [s.local_grads for s in slow] == [f.local_grads for f in fast]
        assert [s.op for s in slow] == [f.op for f in fast]
