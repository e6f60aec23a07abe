"""Regressions every scalar autograd gets wrong once: reuse, accumulation, depth, numerics."""

from __future__ import annotations

import math

import pytest

from chainrule.engine.mode import detect_anomaly, no_grad
from chainrule.engine.value import Value


def test_a_times_a_counts_both_operands():
    a = Value(3.0, label="a")
    b = a * a
    assert b.children == (a, a)
    b.backward()
    assert a.grad == 6.0


def test_sum_of_sums_accumulates():
    a = Value(-2.0, label="a")
    b = a + a
    c = b + b
    c.backward()
    assert (c.data, b.grad, a.grad) == (-8.0, 2.0, 4.0)


def test_diamond():
    a = Value(1.5, label="a")
    b = a * 2.0
    c = a + 3.0
    d = b * c
    d.backward()
    # ∂d/∂a = c·∂b/∂a + b·∂c/∂a = 2c + b
    assert a.grad == 2.0 * c.data + b.data
    assert (b.grad, c.grad) == (c.data, b.data)


def test_backward_twice_doubles_leaves_and_repeats_intermediates():
    x, w = Value(0.7, label="x"), Value(-1.3, label="w")
    hidden = (x * w).tanh()
    out = hidden * hidden + w
    out.backward()
    first = (x.grad, w.grad, hidden.grad)
    out.backward()
    assert x.grad == 2.0 * first[0] and w.grad == 2.0 * first[1]  # exactly double
    assert hidden.grad == first[2]  # recomputed, not accumulated


def test_backward_with_a_seed_scales_gradients():
    x = Value(2.0)
    (x * x).backward(0.5)
    assert x.grad == 2.0


def test_backward_on_a_leaf_accumulates_the_seed():
    x = Value(2.0)
    x.backward()
    x.backward(2.0)
    assert x.grad == 3.0


def test_a_chain_of_a_million_nodes_needs_no_recursion():
    x = Value(1.0, label="x")
    node = x
    for _ in range(10**6):
        node = -node
    node.backward()
    assert node.data == 1.0 and x.grad == 1.0


def test_no_grad_context_records_nothing():
    x = Value(2.0)
    with no_grad():
        y = x * 3.0 + 1.0
    z = x * 3.0
    assert (y.data, y.requires_grad, y.children, y.op) == (7.0, False, (), "")
    assert z.requires_grad and z.children


def test_no_grad_decorator_and_restore_after_an_error():
    @no_grad()
    def double(v: Value) -> Value:
        return v * 2.0

    x = Value(1.0)
    assert double(x).requires_grad is False
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError("inside no_grad")
    assert (x * 2.0).requires_grad is True


def test_zero_grad_detach_item_float():
    x = Value(2.5, label="x")
    (x * x).backward()
    assert x.grad == 5.0
    x.zero_grad()
    assert x.grad == 0.0
    y = (x * 2.0).detach()
    assert (y.data, y.requires_grad, y.children) == (5.0, False, ())
    assert x.item() == 2.5 and isinstance(x.item(), float)
    assert float(x * 2.0) == 5.0


def test_backward_needs_requires_grad():
    with pytest.raises(ValueError, match="requires grad"):
        Value(1.0, requires_grad=False).backward()
    with no_grad():
        y = Value(1.0) * 2.0
    with pytest.raises(ValueError):
        y.backward()


def test_values_that_do_not_require_grad_receive_none():
    x = Value(2.0)
    frozen = Value(3.0, requires_grad=False)
    (x * frozen).backward()
    assert (x.grad, frozen.grad) == (3.0, 0.0)


@pytest.mark.parametrize("other", ["a", None, [1.0], {}])
def test_type_errors_name_both_types(other):
    with pytest.raises(TypeError, match=rf"Value.*{type(other).__name__}"):
        Value(1.0) + other
    with pytest.raises(TypeError, match=rf"{type(other).__name__}.*Value"):
        other - Value(1.0)


@pytest.mark.parametrize("bad", ["3", None, Value(1.0), [1.0], 1j])
def test_value_of_a_non_number_is_a_type_error(bad):
    with pytest.raises(TypeError):
        Value(bad)


def test_numerics_follow_ieee_without_exceptions():
    assert Value(1000.0).exp().data == math.inf
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0
    assert math.isnan(Value(-1.0).log().data)
    assert Value(0.0).log().data == -math.inf
    assert (Value(0.0) ** -1).data == math.inf
    assert math.isnan((Value(-8.0) ** (1.0 / 3.0)).data)
    assert (Value(1.0) / 0.0).data == math.inf
    assert (Value(-1.0) / 0.0).data == -math.inf
    assert (Value(10.0) ** 400.0).data == math.inf
    assert (Value(-10.0) ** 401.0).data == -math.inf
    assert Value(1e308).tanh().data == 1.0
    assert Value(-40.0).gelu().data == pytest.approx(0.0, abs=1e-300)


def test_the_derivative_of_x_to_the_zero_is_zero_even_at_zero():
    x = Value(0.0)
    (x**0).backward()
    assert x.grad == 0.0  # not 0·0^(−1) = nan; as PyTorch


def test_numerics_of_gradients_at_the_edges():
    x = Value(1000.0)
    x.exp().backward()
    assert x.grad == math.inf
    y = Value(-1000.0)
    y.sigmoid().backward()
    assert y.grad == 0.0
    z = Value(0.0)
    z.relu().backward()
    assert z.grad == 0.0  # as PyTorch: the derivative of relu at 0 is 0


def test_detect_anomaly_names_the_op():
    x = Value(-1.0, label="x")
    with pytest.raises(FloatingPointError, match="log"), detect_anomaly():
        x.log()
    with detect_anomaly():
        y = Value(0.0, label="y")
        out = y.sqrt()  # finite forward (0), infinite local derivative
        with pytest.raises(FloatingPointError, match="sqrt"):
            out.backward()
    assert math.isnan(Value(-1.0).log().data)  # the mode ends with the block


def test_anomaly_ignores_nan_already_in_the_input():
    with detect_anomaly():
        y = Value(math.nan) * 2.0
    assert math.isnan(y.data)


@pytest.mark.parametrize(
    ("base", "exponent", "expected"),
    [(math.nan, 0.0, math.nan), (-2.0, 2.0, math.nan), (0.0, 2.0, 0.0), (0.0, -1.0, -math.inf)],
)
def test_the_exponent_gradient_of_a_power_at_the_edges(base, exponent, expected):
    # ∂(a^b)/∂b = a^b·ln(a): nan for a nan or negative base, as PyTorch (nan^0 = 1, yet
    # ln(nan) is nan); 0 at a = 0 with b ≥ 0; −∞ at a = 0 with b < 0 (∞ · ln 0)
    a, b = Value(base), Value(exponent)
    (a**b).backward()
    assert b.grad == expected or (math.isnan(expected) and math.isnan(b.grad))


@pytest.mark.parametrize("slope", [Value(0.1), "0.1", None])
def test_leaky_relu_slope_must_be_a_number(slope):
    # a Value slope used to give a node whose data was itself a Value
    with pytest.raises(TypeError, match=f"slope.*{type(slope).__name__}"):
        Value(-1.0).leaky_relu(slope)
