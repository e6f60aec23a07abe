"""`chainrule.sum` and `chainrule.dot`: one node over n operands, against the binary chain."""

from __future__ import annotations

import builtins
import functools
import operator
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from chainrule import Value, detect_anomaly, gradcheck, no_grad
from chainrule.engine.backward import backward_steps
from chainrule.engine.graph import paths

finite = st.floats(-10.0, 10.0, allow_nan=False)


def values(*numbers: float) -> list[Value]:
    return [Value(x, label=f"x{i}") for i, x in enumerate(numbers)]


def test_sum_is_one_node_whose_local_derivatives_are_ones():
    xs = values(1.5, -2.0, 4.0, 0.25)
    total = chainrule.sum(xs)
    assert total.op == "sum"
    assert total.children == tuple(xs)
    assert total.local_grads == (1.0, 1.0, 1.0, 1.0)
    assert total.data == 3.75
    total.backward(2.0)
    assert [x.grad for x in xs] == [2.0] * 4


def test_dot_is_one_node_whose_local_derivatives_are_the_other_operands():
    ws, xs = values(2.0, -1.0, 0.5), values(3.0, 4.0, -8.0)
    out = chainrule.dot(ws, xs)
    assert out.op == "dot"
    assert out.children == (*ws, *xs)
    assert out.local_grads == (3.0, 4.0, -8.0, 2.0, -1.0, 0.5)  # ∂/∂w_i = x_i, ∂/∂x_i = w_i
    assert out.data == 2.0 * 3.0 - 4.0 - 4.0
    out.backward()
    assert [w.grad for w in ws] == [3.0, 4.0, -8.0]
    assert [x.grad for x in xs] == [2.0, -1.0, 0.5]


def test_a_value_on_both_sides_of_dot_gets_both_contributions():
    xs = values(3.0, -2.0)
    out = chainrule.dot(xs, xs)  # Σ x_i², as in RMSNorm
    out.backward()
    assert out.data == 13.0
    assert [x.grad for x in xs] == [6.0, -4.0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(finite, finite), min_size=1, max_size=12))
def test_same_bits_as_the_chain_of_binary_ops(pairs):
    ws = [Value(w) for w, _ in pairs]
    xs = [Value(x) for _, x in pairs]
    chain = builtins.sum(w * x for w, x in zip(ws, xs))  # 0 + w0·x0 + w1·x1 + ...
    chain.backward()
    expected = [v.grad for v in ws + xs]
    for v in ws + xs:
        v.grad = 0.0
    out = chainrule.dot(ws, xs)
    out.backward()
    assert out.data == chain.data
    assert [v.grad for v in ws + xs] == expected
    assert chainrule.sum(xs).data == functools.reduce(operator.add, [x.data for x in xs])


@settings(max_examples=40, deadline=None)
@given(st.lists(finite, min_size=2, max_size=8))
def test_gradients_match_finite_differences(numbers):
    half = len(numbers) // 2
    inputs = [Value(x) for x in numbers]

    def f(*args):
        return chainrule.dot(args[:half], args[half : 2 * half]) * chainrule.sum(args).tanh()

    assert gradcheck(f, inputs)


def test_numbers_mixed_in_are_constants():
    a, b = Value(2.0, label="a"), Value(-1.0, label="b")
    total = chainrule.sum([a, 3, b, 0.5])
    assert total.data == 4.5
    constants = [c for c in total.children if c is not a and c is not b]
    assert [c.data for c in constants] == [3.0, 0.5]
    assert not any(c.requires_grad for c in constants)
    out = chainrule.dot([0.5, a], [b, 4])
    assert out.data == -0.5 + 8.0
    out.backward()
    assert (a.grad, b.grad) == (4.0, 0.5)


def test_numbers_only_give_a_constant_that_needs_no_gradient():
    total = chainrule.sum([1.0, 2.0])
    assert total.data == 3.0 and not total.requires_grad


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: chainrule.sum([]), ValueError, r"sum\(\) of an empty list"),
        (lambda: chainrule.dot([], []), ValueError, r"dot\(\) of empty lists"),
        (
            lambda: chainrule.dot(values(1.0, 2.0), values(3.0)),
            ValueError,
            r"dot\(\) needs lists of the same length, got 2 and 1",
        ),
        (lambda: chainrule.sum(Value(1.0)), TypeError, "takes a list of Values, got Value"),
        (lambda: chainrule.sum("ab"), TypeError, "takes a list of Values, got str"),
        (lambda: chainrule.sum([Value(1.0), "x"]), TypeError, "Values or numbers, got str"),
        (lambda: chainrule.dot([Value(1.0)], [None]), TypeError, "Values or numbers, got NoneType"),
    ],
)
def test_bad_input_is_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_generators_are_accepted():
    xs = values(1.0, 2.0, 3.0)
    assert chainrule.sum(x * x for x in xs).data == 14.0
    assert chainrule.dot((x for x in xs), iter(xs)).data == 14.0


def test_under_no_grad_the_result_is_a_leaf():
    xs = values(1.0, 2.0)
    with no_grad():
        out = chainrule.dot(xs, xs)
    assert out.children == () and not out.requires_grad and out.data == 5.0


def test_detect_anomaly_names_the_op():
    with detect_anomaly(), pytest.raises(FloatingPointError, match="dot produced inf"):
        chainrule.dot([Value(1e200), Value(1.0)], [Value(1e200), Value(2.0)])


def test_chain_rule_paths_and_steps_go_through_them():
    w, x = Value(3.0, label="w"), Value(-2.0, label="x")
    out = chainrule.sum([chainrule.dot([w, w], [x, 1.0]), w])
    out.backward()
    found = paths(out, w)
    assert len(found) == 3  # through x (w·x), through the constant (w·1), and directly
    assert builtins.sum(p.product for p in found) == w.grad == -2.0 + 1.0 + 1.0
    w.grad = x.grad = 0.0
    steps = list(backward_steps(out))
    assert [s.node.op for s in steps] == ["sum", "dot"]
    assert [len(s.contributions) for s in steps] == [2, 3]  # the constant needs none


def test_exported_from_chainrule_but_not_by_a_star_import():
    assert "sum" not in chainrule.__all__ and "dot" not in chainrule.__all__
    code = "from chainrule import *; print(sum([1, 2]), 'dot' in dir())"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["3", "False"], result.stderr


def test_second_derivatives_through_them():
    x = Value(1.5, label="x")
    y = chainrule.sum([chainrule.dot([x, x], [x, 2.0]), x])  # x² + 2x + x
    (dy,) = chainrule.grad(y, [x], create_graph=True)
    (d2y,) = chainrule.grad(dy, [x])
    assert (dy.data, d2y.data) == (2 * 1.5 + 3.0, 2.0)
