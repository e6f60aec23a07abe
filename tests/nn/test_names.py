"""nn's parameter-name grammar, read back by `parse_name` (which viz uses to find layers and
neurons)."""

from __future__ import annotations

import pytest

from chainrule.nn import MLP, batched
from chainrule.nn.names import ModelName, parse_name
from chainrule.viz.model import neuron_index, parse_label


def test_every_scalar_parameter_name_parses_back_to_its_place():
    model = MLP(3, [4, 2], seed=0)
    for name, _ in model.named_parameters():
        parts = parse_name(name)
        assert parts is not None and parts.neuron is not None, name
        if parts.parameter == "w":
            rebuilt = f"{parts.neuron}.w.{parts.weight_index}"
        else:
            rebuilt = f"{parts.neuron}.{parts.parameter}"
        assert rebuilt == name


def test_batched_names_and_neuron_outputs():
    names = [name for name, _ in batched.MLP(3, [4, 2], seed=0).named_parameters()]
    assert [parse_name(n).parameter for n in names] == ["w", "b", "w", "b"]
    assert all(parse_name(n).neuron is None for n in names)
    out = MLP(2, [3, 1], seed=0)([1.0, 2.0])
    assert parse_name(out.label) == ModelName("layers.1", 1, 0, None, None)


@pytest.mark.parametrize("label", [None, "", "x0", "layers", "layers.x", "layers.0.neurons", "θ1"])
def test_other_labels_are_not_model_names(label):
    assert parse_name(label) is None and parse_label(label) is None


def test_a_prefix_before_layers_is_kept():
    assert parse_name("encoder.layers.2.neurons.5.b").neuron == "encoder.layers.2.neurons.5"
    assert neuron_index("encoder.layers.2.neurons.5") == 5
    with pytest.raises(ValueError, match="not the path of a neuron"):
        neuron_index("layers.2")
