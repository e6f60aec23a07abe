"""explain(): the forward pass, each backward step and the chain rule as text."""

from __future__ import annotations

import pytest

from chainrule.viz import explain


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
