"""viz reads graphs through `chainrule.engine.node`'s protocols: Values and Tensors have what
they list, and typing them found a Tensor graph viz could not label."""

from __future__ import annotations

import pytest

from chainrule import Tensor, Value
from chainrule.engine.node import Node, ScalarNode, as_scalar
from chainrule.viz import draw

NODE = [name for name in dir(Node) if not name.startswith("_")]
SCALAR = [name for name in dir(ScalarNode) if not name.startswith("_")] + ["grad"]


def test_the_protocols_list_the_public_graph_attributes():
    assert sorted(NODE) == ["children", "data", "grad", "label", "op", "requires_grad"]
    assert "local_grads" in SCALAR


@pytest.mark.parametrize("node", [Value(2.0) * 3, Tensor([1.0, 2.0], requires_grad=True) * 3])
def test_values_and_tensors_have_what_node_lists(node):
    for name in NODE:
        assert hasattr(node, name), name


def test_values_have_what_scalar_node_lists_and_tensors_do_not():
    value = Value(2.0) * 3
    assert all(hasattr(value, name) for name in SCALAR)
    assert as_scalar(value) is value
    with pytest.raises(TypeError, match="scalar graph.*got a Tensor"):
        as_scalar(Tensor([1.0]))


def test_a_tensor_raised_to_an_array_of_constants_is_labelled():
    x = Tensor([1.0, 2.0], requires_grad=True, label="x")
    loss = (x ** Tensor([2.0, 3.0])).sum()
    loss.backward()
    source = draw(loss, edge_labels=True).source  # was: ValueError (truth value of an array)
    assert "∂a/∂x = " in source
