"""Activations by name or callable."""

from __future__ import annotations

import math

import pytest

from chainrule import Value
from chainrule.nn import activations
from chainrule.nn.activations import get_activation


@pytest.mark.parametrize(
    "name, x, expected",
    [
        ("relu", -2.0, 0.0),
        ("relu", 3.0, 3.0),
        ("leaky_relu", -2.0, -0.02),
        ("sigmoid", 0.0, 0.5),
        ("tanh", 1.0, math.tanh(1.0)),
        ("gelu", 1.0, 0.5 * (1 + math.erf(1 / math.sqrt(2)))),
        ("linear", -1.5, -1.5),
    ],
)
def test_by_name(name, x, expected):
    assert get_activation(name)(Value(x)).data == pytest.approx(expected)


def test_none_is_linear_and_callables_pass_through():
    assert get_activation(None) is activations.linear
    assert get_activation(abs) is abs


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown activation 'swish'; known: relu, leaky_relu"):
        get_activation("swish")
    with pytest.raises(TypeError):
        get_activation(3)


def test_softmax_over_a_list():
    outputs = get_activation("softmax")([Value(1.0), Value(1.0), Value(1.0)])
    assert [y.data for y in outputs] == pytest.approx([1 / 3] * 3)
