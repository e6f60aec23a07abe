"""DOT structure of draw(): nodes, edges, folded constants, numbers, ids, colours, highlights."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest

from chainrule import Value
from chainrule.viz import draw
from chainrule.viz.format import format_number
from tests.viz.viz_graphs import labelled_mlp, lecture_graph

SVG = "{http://www.w3.org/2000/svg}"


def node_ids(source: str) -> list[str]:
    return re.findall(r"^\t(v\d+|op\d+) \[", source, flags=re.M)


def edges(source: str) -> list[tuple[str, str]]:
    return re.findall(r"^\t(\w+) -> (\w+) \[", source, flags=re.M)


def test_lecture_graph_nodes_and_edges(lecture):
    loss, *_ = lecture
    loss.backward()
    source = draw(loss).source
    # 4 leaves, 4 results each with an op node; the constant 2 is folded into "^ 2"
    assert len(node_ids(source)) == 4 + 2 * 4
    assert len(edges(source)) == 4 + 7
    assert 'label="^ 2"' in source
    assert "grad 15" in source and "grad −5" in source and "grad −10" in source


def test_one_edge_per_operand():
    a = Value(3.0, label="a")
    b = a * a
    b.backward()
    source = draw(b).source
    assert edges(source).count(("v0", "op1")) == 2
    assert "grad 6" in source


def test_constants_fold_on_the_side_they_are_on():
    a = Value(3.0, label="a")
    source = draw(2 - a * 2).source
    assert 'label="× 2"' in source and 'label="2 −"' in source
    assert "data 2<" not in source  # constants are not drawn as records


def test_dot_is_deterministic():
    first = draw(lecture_graph()[0], edge_labels=True).source
    second = draw(lecture_graph()[0], edge_labels=True).source
    assert first == second


@pytest.mark.parametrize(
    ("value", "text"),
    [(3e-06, "3e-06"), (123456.7, "123456.7"), (-5.0, "−5"), (0.0, "0"), (2.5e9, "2.5e+09")],
)
def test_numbers_keep_their_magnitude(value, text):
    assert format_number(value) == text
    source = draw(Value(value, label="v") * 1.0).source
    assert f"data {text}" in source


def test_labels_are_escaped():
    a = Value(1.0, label="a|{b}<c>&")
    source = draw(a + 1).source
    assert "a|{b}&lt;c&gt;&amp;" in source
    svg = draw(a + 1).pipe("svg").decode()
    texts = [t.text for t in ElementTree.fromstring(svg).iter(f"{SVG}text")]
    assert "a|{b}<c>&" in texts


def test_blank_gradients_before_backward(lecture):
    loss, *_ = lecture
    source = draw(loss).source
    assert "grad —" in source and "grad 0" not in source
    assert "backward() has not run yet" in source
    loss.backward()
    assert "backward() has not run yet" not in draw(loss).source


def test_roles_and_gradient_signs_are_coloured(lecture):
    loss, *_ = lecture
    loss.backward()
    source = draw(loss).source
    records = dict(re.findall(r"^\t(v\d+) \[id=\w+ label=(<.*?>) tooltip", source, flags=re.M))
    assert "#e4d9ff" in records["v0"]  # θ1: parameter header
    assert "#d7f0d2" in records["v2"]  # x: input header
    assert "#ffe28a" in records["v8"]  # L: output header
    assert "#ffd3c4" in records["v0"]  # ∂L/∂θ1 = 15 > 0
    assert "#cfe3fb" in records["v1"]  # ∂L/∂θ2 = −5 < 0
    assert "grad" not in records["v2"]  # inputs need no gradient


def test_edge_labels_show_local_derivatives(lecture):
    loss, *_ = lecture
    loss.backward()
    source = draw(loss, edge_labels=True).source
    assert "∂a/∂θ1 = θ2 = −1.5" in source
    assert "∂L/∂c = 2c = −5" in source
    assert "∂b/∂a = x = 2" in source


def test_highlight_marks_paths_and_writes_the_chain_rule(lecture):
    loss, theta1, *_ = lecture
    loss.backward()
    for highlight in (theta1, "θ1"):
        source = draw(loss, highlight=highlight).source
        text = " ".join(re.sub(r"<[^>]+>", " ", source).split())
        assert "∂L/∂θ1 = ∂L/∂c · ∂c/∂b · ∂b/∂a · ∂a/∂θ1" in text
        assert "= 2(θ1·θ2·x − y) · 1 · x · θ2" in text
        assert "= 15" in text
        red = re.findall(r"^\t(\w+) -> (\w+) \[[^\n]*penwidth=2.5", source, flags=re.M)
        assert ("v0", "op4") in red and ("v6", "op8") in red and ("v1", "op4") not in red


def test_highlight_sums_over_paths():
    a = Value(3.0, label="a")
    b = a * a
    b.backward()
    source = draw(b, highlight=a).source
    assert "sum over 2 paths" in source and "= 3 + 3 = 6" in source


def test_highlight_unknown_leaf_is_a_value_error(lecture):
    loss, *_ = lecture
    with pytest.raises(ValueError, match="no value labelled"):
        draw(loss, highlight="nope")
    with pytest.raises(ValueError, match="not part of this graph"):
        draw(loss, highlight=Value(1.0))


def test_bad_options_are_value_errors(lecture):
    loss, *_ = lecture
    with pytest.raises(ValueError, match="rankdir"):
        draw(loss, rankdir="up")
    with pytest.raises(ValueError, match="collapse"):
        draw(loss, collapse="neurons")


def test_model_graph_clusters_by_layer_and_neuron():
    loss = labelled_mlp((2, 3, 1))
    loss.backward()
    source = draw(loss).source
    assert 'subgraph "cluster_layers.0"' in source
    assert 'subgraph "cluster_layers.0.neurons.2"' in source
    assert "<B>w₁</B>" in source and 'tooltip="layers.0.neurons.2.w.1"' in source
    # the products and sums of a neuron sit inside the neuron's cluster
    cluster = source.split('subgraph "cluster_layers.1.neurons.0" {')[1].split("}")[0]
    assert cluster.count("[id=op") == 3 + 3 + 1  # 3 products w·x, 3 sums, tanh


def test_collapse_draws_one_node_per_neuron():
    loss = labelled_mlp((2, 4, 4, 1))
    loss.backward()
    source = draw(loss, collapse="neuron").source
    neurons = re.findall(r"<B>neuron \d+</B>", source)
    assert len(neurons) == 4 + 4 + 1
    assert source.count(">tanh</FONT>") == 4 + 4 + 1
    assert "<B>w₁</B>" not in source  # parameters live inside their neuron, not as records
    # every neuron of layer 1 receives an edge from every neuron of layer 0
    assert len(edges(source)) >= 4 * 4 + 2 * 4


def test_too_many_nodes_suggests_collapse():
    loss = labelled_mlp((2, 16, 16, 1))
    with pytest.raises(ValueError, match="collapse='neuron'"):
        draw(loss, max_nodes=100)
    assert draw(loss, collapse="neuron", max_nodes=100).node_count <= 100


def test_chain_rule_formulas_are_parenthesised_only_where_needed():
    w = Value(-1.0, label="w")
    x = Value(3.0, label="x", requires_grad=False)
    b = Value(0.5, label="b")
    loss = (w * x + b).sigmoid() * w.tanh()
    loss.backward()
    text = " ".join(re.sub(r"<[^>]+>", " ", draw(loss, highlight="w").source).split())
    assert "path 1: ∂L/∂d · ∂d/∂c · ∂c/∂a · ∂a/∂w = tanh(w) · σ(w·x + b)·(1 − σ(w·x + b))" in text
    assert "path 2: ∂L/∂e · ∂e/∂w = σ(w·x + b) · (1 − tanh²(w))" in text
    assert f"= −0.1602 + 0.03186 = {format_number(w.grad)}" in text
