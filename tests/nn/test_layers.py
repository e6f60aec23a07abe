"""Neuron, Layer and MLP: structure, labels, outputs, initialisation and errors."""

from __future__ import annotations

import math

import pytest

from chainrule import Value
from chainrule.nn import MLP, Layer, Neuron


def test_neuron_is_f_of_w_dot_x_plus_b():
    neuron = Neuron(3, "tanh", seed=1)
    x = [0.5, -1.0, 2.0]
    expected = math.tanh(sum(w.data * xi for w, xi in zip(neuron.w, x)) + neuron.b.data)
    y = neuron(x)
    assert y.data == pytest.approx(expected, abs=1e-15)
    assert (y.op, y.label, neuron.activation, neuron.nin) == ("tanh", "neuron", "tanh", 3)


def test_neuron_gradients_are_the_inputs_times_the_activation_slope():
    neuron = Neuron(2, "tanh", seed=0)
    y = neuron([3.0, -2.0])
    y.backward()
    slope = 1 - y.data**2
    assert [w.grad for w in neuron.w] == pytest.approx([3.0 * slope, -2.0 * slope])
    assert neuron.b.grad == pytest.approx(slope)


def test_raw_inputs_become_labelled_input_leaves():
    neuron = Neuron(2, "linear", seed=0)
    y = neuron([1.0, 2.0])
    product = y.children[0].children[0]  # (w0·x0 + w1·x1) + b → w0·x0
    leaf = product.children[1]
    assert (leaf.label, leaf.requires_grad, leaf.data) == ("x0", False, 1.0)


def test_neuron_graph_has_no_constant_nodes():
    y = Neuron(4, "relu", seed=0)([1.0, 2.0, 3.0, 4.0])
    stack, nodes = [y], []
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.children)
    constants = [n for n in nodes if not n.children and n.label is None]
    assert constants == []


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "sigmoid", "tanh", "gelu", "linear"])
def test_named_activations(activation):
    y = Neuron(2, activation, seed=0)([1.0, -1.0])
    assert y.op == ("+" if activation == "linear" else activation)


def test_callable_activation_is_named_after_the_function():
    def square(v):
        return v * v

    neuron = Neuron(1, square, seed=0)
    assert neuron.activation == "square"
    assert neuron([2.0]).data == pytest.approx((2 * neuron.w[0].data) ** 2)


def test_parameter_labels_are_dotted_names():
    model = MLP(2, [3, 1], seed=0)
    for name, p in model.named_parameters():
        assert p.label == name
    assert model.layers[0].neurons[2].w[1].label == "layers.0.neurons.2.w.1"
    assert Layer(2, 2, seed=0).neurons[1].w[0].label == "neurons.1.w.0"
    assert [p.label for p in Neuron(2, seed=0).parameters()] == ["w.0", "w.1", "b"]


def test_outputs_are_labelled_with_the_neuron_path():
    model = MLP(2, [3, 2], seed=0)
    assert [y.label for y in model([1.0, 2.0])] == ["layers.1.neurons.0", "layers.1.neurons.1"]


def test_mlp_output_is_a_value_for_one_output_and_a_list_otherwise():
    assert isinstance(MLP(2, [4, 1], seed=0)([1.0, 2.0]), Value)
    outputs = MLP(2, [4, 3], seed=0)([1.0, 2.0])
    assert isinstance(outputs, list) and len(outputs) == 3


def test_a_hidden_layer_of_one_neuron_works():
    model = MLP(2, [1, 1], seed=0)  # micrograd crashes here
    y = model([1.0, 2.0])
    y.backward()
    assert isinstance(y, Value) and len(model.parameters()) == 5


def test_last_layer_is_linear_by_default_and_hidden_layers_use_activation():
    model = MLP(2, [4, 4, 1], activation="tanh", seed=0)
    assert [layer.activation for layer in model.layers] == ["tanh", "tanh", "linear"]
    model = MLP(2, [4, 1], output_activation="sigmoid", seed=0)
    assert model([0.3, 0.1]).op == "sigmoid"


def test_softmax_layer_normalises_its_outputs():
    outputs = MLP(2, [4, 3], output_activation="softmax", seed=0)([0.5, -0.5])
    assert sum(y.data for y in outputs) == pytest.approx(1.0)
    assert {y.op for y in outputs} == {"softmax"}
    with pytest.raises(ValueError, match="whole layer"):
        Neuron(2, "softmax")


def test_seed_makes_weights_reproducible():
    first = MLP(2, [5, 1], seed=42).state_dict()
    assert first == MLP(2, [5, 1], seed=42).state_dict()
    assert first != MLP(2, [5, 1], seed=43).state_dict()


@pytest.mark.parametrize(
    "init, activation, bound",
    [
        ("auto", "relu", math.sqrt(6 / 10)),
        ("auto", "tanh", math.sqrt(6 / 14)),
        ("he", "tanh", math.sqrt(6 / 10)),
        ("xavier", "relu", math.sqrt(6 / 14)),
        ("uniform", "relu", 1.0),
    ],
)
def test_initialisation_scale(init, activation, bound):
    layer = Layer(10, 4, activation, init=init, seed=0)
    weights = [w.data for n in layer.neurons for w in n.w]
    assert max(abs(w) for w in weights) <= bound
    assert max(abs(w) for w in weights) > 0.7 * bound  # 40 draws fill the range
    assert all(n.b.data == 0.0 for n in layer.neurons)


def test_repr():
    assert repr(MLP(2, [16, 16, 1])) == "MLP(2 → 16 relu → 16 relu → 1)"
    assert repr(MLP(2, [3], output_activation="sigmoid")) == "MLP(2 → 3 sigmoid)"
    assert repr(Layer(2, 3, "tanh")) == "Layer(2 → 3 tanh)"
    assert repr(Neuron(2, "relu")) == "Neuron(2 → relu)"


def test_config_returns_constructor_arguments():
    model = MLP(3, [4, 2], activation="tanh", output_activation="softmax", seed=0)
    config = model.config()
    assert config == {
        "nin": 3,
        "nouts": [4, 2],
        "activation": "tanh",
        "output_activation": "softmax",
        "init": "auto",
    }
    assert repr(MLP(**config)) == repr(model)


def test_errors():
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        MLP(2, [1])([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="sequence"):
        MLP(2, [1])("ab")
    with pytest.raises(ValueError, match="unknown activation 'relux'.*relu"):
        MLP(2, [1], activation="relux")
    with pytest.raises(ValueError, match="unknown init"):
        Neuron(2, init="zeros")
    with pytest.raises(ValueError, match="nouts"):
        MLP(2, [])
    with pytest.raises(ValueError, match="nin"):
        Neuron(0)


def test_one_input_may_be_a_bare_number():
    model = MLP(1, [2, 1], seed=0)
    assert model(0.5).data == model([0.5]).data
