"""steps(): frame order, formulas, blank gradients, no side effects, a layout that never moves."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import Tensor, Value
from chainrule.nn import MLP
from chainrule.viz import draw, explain, steps
from tests.viz import svg_helpers as svg
from tests.viz.viz_graphs import lecture_graph


def test_frames_follow_reverse_topological_order(lecture):
    loss, theta1, theta2, *_ = lecture
    frames = steps(loss)
    assert len(frames) == 1 + 4  # the seed, then L, c, b, a
    assert frames[0].formulas == ("∂L/∂L = 1",)
    assert [frame.active for frame in frames] == [8, 8, 6, 5, 4]
    assert frames[2].formulas == ("∂L/∂b = ∂L/∂c · ∂c/∂b = 2c · 1 = (−5) · 1 = −5",)
    assert frames[4].formulas[0].endswith("= 15")
    assert frames[4].grads[0] == 15.0 and frames[4].grads[1] == -5.0


def test_gradients_not_yet_computed_are_blank(lecture):
    loss, *_ = lecture
    frames = steps(loss)
    assert set(frames[0].grads) == {8}
    assert 0 not in frames[3].grads and 5 in frames[3].grads


def test_replay_leaves_the_graph_untouched(lecture):
    loss, theta1, *_ = lecture
    steps(loss)
    assert theta1.grad == 0.0 and loss.grad == 0.0
    loss.backward()
    frames = steps(loss)
    assert theta1.grad == 15.0  # not doubled by the replay
    assert frames[-1].grads[0] == 15.0


def test_second_path_accumulates_with_a_plus_equals():
    a = Value(3.0, label="a")
    frames = steps(a * a + a)
    assert frames[2].formulas[0].startswith("∂L/∂a += ")
    assert frames[2].formulas[1].endswith("(total 7)")


def test_node_positions_are_identical_in_every_frame(lecture):
    loss, *_ = lecture
    pictures = [svg.parse(text) for text in steps(loss).svgs()]
    first = svg.geometry(pictures[0])
    assert len(first) == 12
    for picture in pictures[1:]:
        assert svg.geometry(picture) == first


def test_frames_show_the_state_of_each_step(lecture):
    loss, *_ = lecture
    pictures = [svg.parse(text) for text in steps(loss).svgs()]
    theta1 = lambda picture: svg.texts(svg.groups(picture, "node")["v0"])[-1]  # noqa: E731
    assert [theta1(p) for p in pictures] == ["grad —"] * 4 + ["grad 15"]
    captions = [svg.texts(p.find(f"{svg.SVG}g"))[0] for p in pictures]
    assert captions[1].startswith("step 1: back through L")
    # the active node is outlined, its incoming edges coloured
    edge = svg.groups(pictures[4], "edge")["e_v0_op4_0"]
    assert edge.find(f"{svg.SVG}path").get("stroke") == "#e36209"
    plain = svg.groups(pictures[1], "edge")["e_v0_op4_0"]
    assert plain.find(f"{svg.SVG}path").get("stroke") != "#e36209"


def test_steps_needs_a_root_that_requires_grad():
    with pytest.raises(ValueError, match="requires grad"):
        steps(Value(1.0, requires_grad=False) * 2)


def test_steps_refuses_huge_graphs():
    x = Value(1.0, label="x")
    for _ in range(50):
        x = x * 1.0
    with pytest.raises(ValueError, match="max_nodes"):
        steps(x, max_nodes=20)


def test_same_graph_same_frames():
    first = [f.formulas for f in steps(lecture_graph()[0])]
    assert first == [f.formulas for f in steps(lecture_graph()[0])]


@pytest.mark.parametrize("story", [steps, explain, draw])
def test_a_root_that_is_not_a_graph_is_a_type_error(story):
    """A model with several outputs returns a list: the error says so, not an AttributeError."""
    outputs = MLP(2, [3, 2], seed=0)([1.0, 2.0])
    with pytest.raises(TypeError, match="got list .*several outputs"):
        story(outputs)
    with pytest.raises(TypeError, match="got float"):
        story(1.5)


@pytest.mark.parametrize("story", [steps, explain])
def test_steps_of_a_tensor_graph_is_a_type_error(story):
    weights = Tensor(np.ones((2, 2)), requires_grad=True, label="W")
    loss = (weights @ np.ones(2)).tanh().sum()
    with pytest.raises(TypeError, match="needs a Value graph, got a Tensor"):
        story(loss)


def test_steps_refuses_an_unknown_rankdir(lecture):
    loss, *_ = lecture
    with pytest.raises(ValueError, match="rankdir must be one of"):
        steps(loss, rankdir="sideways")
