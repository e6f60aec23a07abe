"""Pictures and stories of gradients built with create_graph: the backward pass as a graph."""

from __future__ import annotations

from chainrule import grad
from chainrule.viz import draw, explain, steps
from tests.viz.viz_graphs import lecture_graph


def test_drawing_after_create_graph_shows_the_same_numbers_as_after_backward():
    loss, *_ = lecture_graph()
    loss.backward()
    plain = draw(loss).source
    loss, *_ = lecture_graph()
    loss.backward(create_graph=True)
    assert draw(loss).source == plain  # every gradient's number, colour and cell alike


def test_a_gradient_is_drawn_as_its_own_graph_titled_by_what_it_is():
    loss, theta1, theta2, *_ = lecture_graph()
    (g,) = grad(loss, [theta1], create_graph=True)
    source = draw(g).source
    assert "∂L/∂θ1 as a graph: the backward pass of L" in source
    assert "data 15" in source  # its value, ∂L/∂θ1 = 15
    assert "grad 15" not in source  # L's own gradients are not this graph's: blank until
    assert "not run yet" in source  # backward runs from ∂L/∂θ1


def test_explain_of_a_gradient_tells_the_second_derivatives():
    loss, theta1, *_ = lecture_graph()
    (g,) = grad(loss, [theta1], create_graph=True)
    text = explain(g, wrt="θ1")
    assert "∂²L/∂θ1² = 18" in text and "∂²L/∂θ2∂θ1 = −16" in text
    assert "∂∂" not in text


def test_steps_of_a_gradient_replay_its_backward_pass():
    loss, theta1, *_ = lecture_graph()
    (g,) = grad(loss, [theta1], create_graph=True)
    frames = steps(g)
    assert len(frames) >= 3
    assert any("18" in line for frame in frames for line in frame.formulas)
    assert theta1.grad == 0.0  # steps leave the gradients as they were


def test_a_tensor_gradient_is_drawn_without_the_first_pass_gradients():
    from chainrule import Tensor

    x = Tensor([[0.5, -1.0]], requires_grad=True, label="x")
    w = Tensor([[0.3], [0.8]], requires_grad=True, label="w")
    loss = ((x @ w).tanh() ** 2).sum()
    loss.backward(create_graph=True)
    source = draw(w.grad).source
    assert "∂L/∂w as a graph" in source
    assert "not run yet" in source  # L's gradients on the shared nodes are not this graph's
    assert "^ 1" not in source  # ∂(b²)/∂b is drawn as 2·b
