"""steps(): frame order, formulas, blank gradients, no side effects, a layout that never moves."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import Tensor, Value
from chainrule.nn import MLP
from chainrule.viz import draw, explain, render_steps, steps
from chainrule.viz.format import format_number
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


def _text_of(picture, node_id: str, prefix: str) -> str:
    """The record's last text that starts with `prefix` (``grad``, ``data``)."""
    return [t for t in svg.texts(svg.groups(picture, "node")[node_id]) if t.startswith(prefix)][-1]


def test_forward_steps_compute_one_op_per_frame():
    w, x, q = Value(3.0, label="w"), Value(-2.0, label="x"), Value(5.0, label="q")
    m = w * x
    m.label = "m"
    y = m + q
    y.label = "y"
    frames = steps(y, direction="forward")
    assert [frame.title for frame in frames] == [
        "step 0: the inputs and parameters",
        "step 1: m = w·x",
        "step 2: y = m + q",
    ]
    assert frames[1].formulas == ("m = 3·(−2) = −6", "records ∂m/∂w = x = −2, ∂m/∂x = w = 3")
    assert frames[2].formulas == ("y = (−6) + 5 = −1", "records ∂y/∂m = 1, ∂y/∂q = 1")
    pictures = [svg.parse(text) for text in frames.svgs()]
    assert [_text_of(p, "v3", "data") for p in pictures] == ["data —", "data −6", "data −6"]
    assert [_text_of(p, "v4", "data") for p in pictures] == ["data —", "data —", "data −1"]
    assert _text_of(pictures[0], "v0", "data") == "data 3"  # leaves are there from the start
    assert not any(t.startswith("grad") for p in pictures for t in svg.texts(p))
    first = svg.geometry(pictures[0])
    assert all(svg.geometry(p) == first for p in pictures[1:])
    assert repr(frames).startswith("<Steps: 3 frames of the forward pass")


def test_steps_by_neuron_give_one_frame_per_neuron_with_delta_and_weight_gradients():
    model = MLP(2, [3, 2, 1], activation="tanh", seed=0)
    out = model([0.5, -0.2])
    loss = (out - 1.0) ** 2
    loss.backward()
    frames = steps(loss, collapse="neuron")
    neuron_frames = [f for f in frames if "back through neuron" in f.title]
    assert len(neuron_frames) == 3 + 2 + 1
    assert neuron_frames[0].title.endswith("neuron 2.0 = w·x + b")  # the output layer first
    hidden = model.layers[1].neurons[1]
    frame = next(f for f in neuron_frames if "neuron 1.1 = tanh" in f.title)
    delta = hidden.b.grad
    assert frame.formulas[0].startswith("δ = ∂L/∂z = ∂L/∂out · tanh′(z) = ")
    assert frame.formulas[0].endswith(f"= {format_number(delta)}")
    assert f"∂L/∂b = δ = {format_number(delta)}" in frame.formulas
    w1 = hidden.w[1]
    assert any(
        line.startswith("∂L/∂w₁ = δ · out[0.1] = ") and line.endswith(format_number(w1.grad))
        for line in frame.formulas
    )
    # the frames are drawn on one layout; the neuron's ∂L/∂out appears when it is computed
    pictures = [svg.parse(text) for text in frames.svgs()]
    node_id = f"v{frames.names.id(hidden_out(frames, 'layers.1.neurons.1'))}"
    texts = [_text_of(p, node_id, "grad") for p in pictures]
    assert (
        texts[0] == "grad —"
        and texts[-1] == f"grad {format_number(frames.names.order[int(node_id[1:])].grad)}"
    )
    assert len(pictures) == len(frames) and all(
        svg.geometry(p) == svg.geometry(pictures[0]) for p in pictures[1:]
    )


def hidden_out(frames, label: str):
    return next(node for node in frames.names.order if node.label == label)


@pytest.mark.parametrize(
    ("options", "match"),
    [({"direction": "sideways"}, "direction"), ({"collapse": "layer"}, "collapse")],
)
def test_steps_refuses_unknown_directions_and_collapses(lecture, options, match):
    loss, *_ = lecture
    with pytest.raises(ValueError, match=match):
        steps(loss, **options)


def test_render_steps_by_neuron_writes_one_frame_per_neuron(tmp_path):
    model = MLP(2, [4, 4, 1], activation="tanh", seed=0)
    loss = (model([0.5, -0.2]) - 1.0) ** 2
    loss.backward()
    page = render_steps(loss, tmp_path / "by-neuron", collapse="neuron")
    text = page.read_text()
    assert text.count("back through neuron") >= 4 + 4 + 1
    assert "back through p₀" not in text  # no step inside a neuron
    assert len(steps(loss, collapse="neuron")) < len(steps(loss)) / 3
