"""explain(): the forward pass, each backward step and the chain rule as text."""

from __future__ import annotations

import pytest

from chainrule.viz import explain
from chainrule.viz.format import format_number


def test_explain_tells_the_lecture_example(lecture):
    loss, *_ = lecture
    text = explain(loss, wrt="θ1")
    assert "c = θ1·θ2·x − y = −2.5" in text
    assert "∂L/∂b = ∂L/∂c · ∂c/∂b = 2c · 1 = (−5) · 1 = −5" in text
    assert "∂L/∂θ1 = 15" in text and "∂L/∂θ2 = −5" in text
    assert (
        "∂L/∂θ1 = ∂L/∂c · ∂c/∂b · ∂b/∂a · ∂a/∂θ1 = 2(θ1·θ2·x − y) · 1 · x · θ2"
        " = (−5) · 1 · 2 · (−1.5) = 15"
    ) in text


def test_explain_leaves_gradients_alone(lecture):
    loss, theta1, *_ = lecture
    explain(loss)
    assert theta1.grad == 0.0


def test_explain_unknown_wrt(lecture):
    loss, *_ = lecture
    with pytest.raises(ValueError, match="no value labelled"):
        explain(loss, wrt="nope")


def test_softmax_derivatives_name_their_outputs():
    from chainrule import Value, softmax

    x0, x1 = Value(1.0, label="x0"), Value(2.0, label="x1")
    first, second = softmax([x0, x1])
    loss = first * second
    text = explain(loss, wrt="x0")
    assert "a = softmax(x0, x1)[0] = 0.2689" in text and "b = softmax(x0, x1)[1]" in text
    assert "∂L/∂b · ∂b/∂x1 = a · b·(1 − b) = 0.2689 · 0.1966 = 0.05288" in text
    assert "∂L/∂b · ∂b/∂x0 = a · (−b·s₀)" in text


def tanh_chain(steps: int):
    from chainrule import Value

    x = Value(0.5, label="x")
    h = x
    for i in range(steps):
        h = (h * 0.5 + 0.25) if i % 2 else h.tanh()
    return x, h


def test_a_long_chain_is_explained_in_linear_memory():
    """4000 steps took 1.3 GB: every frame copied every gradient (n² entries)."""
    import tracemalloc

    x, root = tanh_chain(3000)
    tracemalloc.start()
    try:
        text = explain(root, wrt="x")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 150 * 2**20  # the n² copies were over 500 MB here
    lines = text.splitlines()
    assert lines[-1].endswith(f"= {format_number(reference_gradient(root, x))}")
    assert "1 path from x to L" in lines[-1] and "too long to write out" in lines[-1]


def reference_gradient(root, leaf):
    root.backward()
    grad = leaf.grad
    leaf.grad = 0.0
    return grad


def test_a_graph_past_max_nodes_is_refused_before_the_text_is_built():
    _, root = tanh_chain(50_000)  # 1.25·10⁵ values, the constants included
    with pytest.raises(ValueError, match=r"125001 values, more than max_nodes=10000"):
        explain(root)
    _, small = tanh_chain(20)
    with pytest.raises(ValueError, match="max_nodes=10"):
        explain(small, max_nodes=10)
    assert "Gradients:" in explain(small, max_nodes=None)


def test_n_paths_of_length_n_are_counted_and_summed_not_written():
    from chainrule import Value

    x = Value(1.0001, label="x")
    h = x
    for i in range(600):  # x feeds every step: 601 paths of up to 600 factors
        h = h * x if i % 2 else h + x
    lines = explain(h, wrt="x").splitlines()
    assert "sum over 601 paths from x to L (too many to write out)" in lines[-1]
    expected = reference_gradient(h, x)
    assert lines[-1].endswith(f"= {format_number(expected)}")


def test_an_op_over_many_operands_gets_one_formula_per_operand():
    from chainrule import Value, softmax

    xs = [Value(i / 300, label=f"x{i}") for i in range(300)]
    text = explain(softmax(xs)[0] * 2)
    backward = text.split("Backward pass")[1]
    assert backward.count("∂a/∂x") == 300  # one line per operand of the softmax node
    assert "∂L/∂x299" in backward
