"""Names of values: letters for small graphs, v₁ … for big ones, roles and places in models."""

from __future__ import annotations

import re

import pytest

from chainrule import Value
from chainrule.nn import MLP, bce_with_logits
from chainrule.viz import draw, explain, steps
from chainrule.viz.naming import GraphNames, is_constant


def chain_sum(count: int) -> Value:
    """2θ + θ + θ … : `count` unlabelled values (the root aside); θ leaves every letter free."""
    x = Value(0.5, label="θ")
    total = x * 2.0
    for _ in range(count - 1):
        total = total + x
    return total * 1.0


def generic_names(names: GraphNames) -> list[str]:
    return [
        names.name(node)
        for node in names.order
        if node.label is None
        and node is not names.root
        and not is_constant(node)
        and "[" not in names.name(node)  # a model's role, p₁[0.1]
    ]


def test_small_graphs_keep_letters():
    names = GraphNames(chain_sum(26))
    assert generic_names(names) == [chr(ord("a") + n) for n in range(26)]


def test_big_graphs_number_their_values_everywhere():
    root = chain_sum(27)
    names = GraphNames(root)
    assert generic_names(names) == [
        "v" + "".join("₀₁₂₃₄₅₆₇₈₉"[int(d)] for d in str(n)) for n in range(1, 28)
    ]
    root.backward()
    assert "<B>v₂₇</B>" in draw(root).source
    assert "v₂₆ = v₂₅ + θ = 13.5" in explain(root)
    assert any("∂L/∂v₂₇" in formula for frame in steps(root) for formula in frame.formulas)


def one_sample_loss(sizes: list[int]) -> Value:
    model = MLP(2, sizes, activation="tanh", seed=0)
    loss = bce_with_logits(model([0.5, -1.0]), 1)
    loss.backward()
    return loss


def test_model_values_are_named_by_role_and_place():
    names = GraphNames(one_sample_loss([3, 1]))
    by_label = {node.label: names.name(node) for node in names.order if node.label}
    assert by_label["layers.1.neurons.0.w.1"] == "w₁[1.0]"
    assert by_label["layers.0.neurons.2.b"] == "b[0.2]"
    assert by_label["layers.0.neurons.1"] == "out[0.1]"
    definitions = {names.name(node): names.one_op(node) for node in names.order if node.children}
    assert definitions["p₁[0.1]"] == "w₁[0.1]·x1"
    assert definitions["s₁[0.1]"] == "p₀[0.1] + p₁[0.1]"
    assert definitions["z[0.1]"] == "s₁[0.1] + b[0.1]"
    assert definitions["s₂[1.0]"] == "s₁[1.0] + p₂[1.0]"
    # the loss after the model is a few plain values: letters, not "fu, fv" ("b" is a bias)
    plain = generic_names(names)
    assert 0 < len(plain) < 10 and plain == list("acdefghijk")[: len(plain)]


def test_collapsed_classifier_graph_has_short_names():
    source = draw(one_sample_loss([8, 8, 1]), collapse="neuron").source
    titles = set(re.findall(r"<B>([^<]+)</B>", source))
    assert not {title for title in titles if re.fullmatch(r"[a-z]{2}", title)}
    assert {"a", "c", "L"} <= titles


def test_roles_that_repeat_over_samples_get_plain_names():
    model = MLP(2, [2, 1], activation="tanh", seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2 + (model([1.0, 2.0]) - 1.0) ** 2
    names = GraphNames(loss)
    unlabelled = [names.name(n) for n in names.order if n.label is None and not is_constant(n)]
    assert len(unlabelled) == len(set(unlabelled))
    assert not any("[" in name for name in unlabelled)


def test_two_models_in_one_graph_keep_their_full_labels():
    first, second = (
        Value(1.0, label="a.layers.0.neurons.0.b"),
        Value(2.0, label="c.layers.0.neurons.0.b"),
    )
    names = GraphNames(first * second)
    assert [names.name(first), names.name(second)] == [first.label, second.label]


def test_short_parameter_names_keep_the_full_label_at_hand():
    loss = one_sample_loss([3, 1])
    text = explain(loss, wrt="layers.1.neurons.0.w.1")
    assert "Chain rule for w₁[1.0] (layers.1.neurons.0.w.1):" in text
    assert re.search(r"∂L/∂w₁\[1\.0\] = \S+ +\(layers\.1\.neurons\.0\.w\.1\)", text)
    assert "∂L/∂layers" not in text
    source = draw(loss, highlight="w₁[1.0]").source
    assert "Chain rule for w₁[1.0] (layers.1.neurons.0.w.1)" in source
    assert 'tooltip="layers.1.neurons.0.w.1"' in source


def test_two_values_with_one_label_are_told_apart():
    product = Value(1.0, label="w") * Value(2.0, label="w")
    text = explain(product, wrt="w#2")
    assert "L = w#1·w#2 = 2" in text
    assert "∂L/∂w#1 = w#2 = 2" in text and "∂L/∂w#2 = w#1 = 1" in text
    assert text.splitlines()[-1] == "∂L/∂w#2 = w#1 = 1"  # not "∂L/∂w = ∂L/∂w = w = 2"
    assert "Model values" not in text
    with pytest.raises(ValueError, match="2 values are labelled 'w' \\(w#1, w#2\\)"):
        explain(product, wrt="w")
    source = draw(product).source
    assert "<B>w#1</B>" in source and "<B>w#2</B>" in source


def test_powers_are_written_as_superscripts():
    c = Value(3.0, label="c")
    loss = c**2 + c**3 + c**0.5
    loss.backward()
    text = explain(loss)
    assert "c² + c³ + c^0.5" in text and "^2" not in text
    assert "3·c²" in text  # d(c³)/dc


def test_the_legend_lists_only_the_roles_present():
    a = Value(2.0, label="a")
    source = draw(a * 3).source  # a parameter and the output, no input
    legend = source[source.index("■") - 40 :]
    assert "parameter" in legend and "output" in legend and "input" not in legend
    x = Value(2.0, label="x", requires_grad=False)
    assert "■</FONT> input" in draw(a * x).source
