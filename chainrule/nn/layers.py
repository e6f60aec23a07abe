"""The perceptron and its stacks on scalar Values: `Neuron`, `Layer` and `MLP`."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from typing import Any

from chainrule.engine.value import Value
from chainrule.nn.activations import (
    LAYER_ACTIVATIONS,
    Activation,
    activation_name,
    get_activation,
)
from chainrule.nn.module import Module

Seed = int | random.Random | None
INITS = ("auto", "he", "xavier", "uniform")
_HE_ACTIVATIONS = frozenset({"relu", "leaky_relu", "gelu"})


def _generator(seed: Seed) -> random.Random:
    return seed if isinstance(seed, random.Random) else random.Random(seed)


def _bound(init: str, activation: str, nin: int, fan_out: int) -> float:
    """Half-width of the uniform initialisation U(−bound, bound).

    He (Kaiming) uniform, √(6 / fan_in), keeps the variance of ReLU-like layers; Xavier
    (Glorot) uniform, √(6 / (fan_in + fan_out)), that of tanh, sigmoid and linear layers;
    ``"uniform"`` is micrograd's U(−1, 1); ``"auto"`` picks He or Xavier by activation.
    """
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; known: {', '.join(INITS)}")
    if init == "auto":
        init = "he" if activation in _HE_ACTIVATIONS else "xavier"
    if init == "he":
        return math.sqrt(6.0 / nin)
    if init == "xavier":
        return math.sqrt(6.0 / (nin + fan_out))
    return 1.0


def _inputs(x: Any, nin: int, who: str) -> list[Value]:
    """The inputs as Values: raw numbers become input leaves labelled x0, x1, …"""
    if isinstance(x, (Value, int, float)) and nin == 1:
        x = [x]
    if isinstance(x, (str, bytes)) or not hasattr(x, "__len__"):
        raise TypeError(
            f"{who} takes a sequence of {nin} numbers or Values, got {type(x).__name__}"
        )
    if len(x) != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {len(x)}")
    return [
        v if type(v) is Value else Value(v, label=f"x{i}", requires_grad=False)
        for i, v in enumerate(x)
    ]


class Neuron(Module):
    """The perceptron: y = f(w·x + b) = f(Σ_i w_i·x_i + b).

    The bias is the weight w0 of a constant input x0 = 1, so that the neuron is
    f(Σ_{i=0..n} w_i·x_i); it is kept as its own parameter `b` here. Weights start
    uniform with He or Xavier scale (see `init`), the bias at 0.

    Args:
        nin: number of inputs.
        activation: f, by name (``"relu"``, ``"tanh"``, ``"linear"`` …) or a callable.
        seed: an int or a `random.Random` for reproducible weights.
        init: ``"auto"`` (He for ReLU-like activations, Xavier otherwise), ``"he"``,
            ``"xavier"`` or ``"uniform"`` (micrograd's U(−1, 1)).
        fan_out: the number of neurons in this neuron's layer (for Xavier).

    >>> n = Neuron(2, "tanh", seed=0)
    >>> y = n([1.0, -2.0])
    >>> y.label, y.op, len(n.parameters())
    ('neuron', 'tanh', 3)
    """

    def __init__(
        self,
        nin: int,
        activation: str | Activation | None = "tanh",
        *,
        seed: Seed = None,
        init: str = "auto",
        fan_out: int = 1,
    ) -> None:
        if not isinstance(nin, int) or nin < 1:
            raise ValueError(f"nin must be a positive int, got {nin!r}")
        name = activation_name(activation)
        if name in LAYER_ACTIVATIONS:
            raise ValueError(f"{name} acts on a whole layer: use it as a Layer's activation")
        bound = _bound(init, name, nin, fan_out)
        rng = _generator(seed)
        self.nin = nin
        self.activation = name
        self.w = [Value(rng.uniform(-bound, bound)) for _ in range(nin)]
        self.b = Value(0.0)
        self._activate = get_activation(activation)
        self._path = "neuron"
        self.label_parameters()

    def __call__(self, x: Sequence[Value | float]) -> Value:
        out = self._forward(_inputs(x, self.nin, "Neuron"))
        out.label = self._path
        return out

    def _forward(self, inputs: list[Value]) -> Value:
        """f(w·x + b), built as a left-to-right chain of products and sums (no constants).

        Not `chainrule.dot`, though it would be one node instead of 2n: this is the neuron the
        lecture draws, and every product w_i·x_i and partial sum stays visible in its graph.
        """
        w = self.w
        total = w[0] * inputs[0]
        for i in range(1, self.nin):
            total = total + w[i] * inputs[i]
        total = total + self.b
        return total if self.activation == "linear" else self._activate(total)

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def config(self) -> dict[str, Any]:
        """Constructor arguments as a JSON-able dict."""
        return {"nin": self.nin, "activation": self.activation}

    @staticmethod
    def parameter_count(config: Mapping[str, Any]) -> int:
        """The number of weights a Neuron of this `config` has (nin + 1), without building it."""
        return _size(config.get("nin"), "nin") + 1

    def __repr__(self) -> str:
        return f"Neuron({self.nin} → {self.activation})"


class Layer(Module):
    """`nout` neurons that all read the same inputs; returns the list of their outputs.

    With ``activation="softmax"`` the neurons are linear and the softmax is taken over the
    whole layer.

    >>> layer = Layer(3, 2, "relu", seed=0)
    >>> [y.label for y in layer([1.0, 2.0, 3.0])]
    ['neurons.0', 'neurons.1']
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | Activation | None = "tanh",
        *,
        seed: Seed = None,
        init: str = "auto",
    ) -> None:
        if not isinstance(nout, int) or nout < 1:
            raise ValueError(f"nout must be a positive int, got {nout!r}")
        name = activation_name(activation)
        per_neuron = "linear" if name in LAYER_ACTIVATIONS else activation
        rng = _generator(seed)
        self.nin = nin
        self.nout = nout
        self.activation = name
        self.neurons = [
            Neuron(nin, per_neuron, seed=rng, init=init, fan_out=nout) for _ in range(nout)
        ]
        self._layer_activate = get_activation(name) if name in LAYER_ACTIVATIONS else None
        _label_model(self)

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        return self._forward(_inputs(x, self.nin, "Layer"))

    def _forward(self, inputs: list[Value]) -> list[Value]:
        outputs = [neuron._forward(inputs) for neuron in self.neurons]
        if self._layer_activate is not None:
            outputs = self._layer_activate(outputs)
        for neuron, out in zip(self.neurons, outputs):
            out.label = neuron._path
        return outputs

    def config(self) -> dict[str, Any]:
        """Constructor arguments as a JSON-able dict."""
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation}

    @staticmethod
    def parameter_count(config: Mapping[str, Any]) -> int:
        """The number of weights a Layer of this `config` has, (nin + 1)·nout, unbuilt."""
        return (_size(config.get("nin"), "nin") + 1) * _size(config.get("nout"), "nout")

    def __repr__(self) -> str:
        return f"Layer({self.nin} → {self.nout} {self.activation})"


class MLP(Module):
    """A multi-layer perceptron: layers of neurons, each layer feeding the next.

    Args:
        nin: number of inputs.
        nouts: the size of each layer, the last one being the output.
        activation: the hidden layers' activation (name or callable).
        output_activation: the last layer's; None means linear, as in micrograd.
        init: ``"auto"``, ``"he"``, ``"xavier"`` or ``"uniform"`` (see `Neuron`).
        seed: an int (or `random.Random`) for reproducible weights.

    Calling the model on one sample (a sequence of `nin` numbers or Values) returns a
    Value when the last layer has one neuron, else a list of Values.

    >>> model = MLP(2, [16, 16, 1], seed=0)
    >>> model
    MLP(2 → 16 relu → 16 relu → 1)
    >>> model([0.5, -1.0]).label
    'layers.2.neurons.0'
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str | Activation | None = "relu",
        output_activation: str | Activation | None = None,
        *,
        init: str = "auto",
        seed: Seed = None,
    ) -> None:
        if isinstance(nouts, int) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        rng = _generator(seed)
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.nin = nin
        self.nouts = list(nouts)
        self.activation = activation_name(activation)
        self.output_activation = (
            None if output_activation is None else (activation_name(output_activation))
        )
        self.init = init
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                output_activation if i == last else activation,
                seed=rng,
                init=init,
            )
            for i in range(len(nouts))
        ]
        _label_model(self)

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        values = _inputs(x, self.nin, "MLP")
        for layer in self.layers:
            values = layer._forward(values)
        return values[0] if len(values) == 1 else values

    def config(self) -> dict[str, Any]:
        """Constructor arguments as a JSON-able dict (used by save/load and batched.MLP)."""
        return mlp_config(self)

    @staticmethod
    def parameter_count(config: Mapping[str, Any]) -> int:
        """The number of weights an MLP of this `config` has, without building it."""
        return mlp_parameter_count(config.get("nin"), config.get("nouts"))

    def __repr__(self) -> str:
        return f"MLP({architecture(self.nin, self.layers)})"


def mlp_config(model: Any) -> dict[str, Any]:
    """The constructor arguments an MLP (scalar or batched) was built with."""
    return {
        "nin": model.nin,
        "nouts": list(model.nouts),
        "activation": model.activation,
        "output_activation": model.output_activation,
        "init": model.init,
    }


def mlp_parameter_count(nin: object, nouts: object) -> int:
    """Σ (nᵢ + 1)·nᵢ₊₁ over the layers: the weights and biases of an MLP (scalar or batched)
    with these sizes, from the sizes alone, so that a claimed size is checked before it is built.

    Raises:
        ValueError: if a size is not a positive int.

    >>> mlp_parameter_count(2, [16, 16, 1])
    337
    """
    if not isinstance(nouts, (list, tuple)) or not nouts:
        raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
    sizes = [_size(nin, "nin"), *(_size(n, "nouts") for n in nouts)]
    return sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(nouts)))


def _size(size: object, name: str) -> int:
    if type(size) is not int or size < 1:
        raise ValueError(f"{name} must hold positive ints, got {size!r}")
    return size


def architecture(nin: int, layers: Sequence[Any]) -> str:
    """The sizes and activations of a stack of layers: ``2 → 16 relu → 16 relu → 1``."""
    parts = [str(nin)]
    for layer in layers:
        name = "" if layer.activation == "linear" else f" {layer.activation}"
        parts.append(f"{layer.nout}{name}")
    return " → ".join(parts)


def _label_model(model: Module) -> None:
    """Label parameters with their dotted names and tell each neuron its own path."""
    model.label_parameters()
    for name, module in model.named_modules():
        if isinstance(module, Neuron):
            module._path = name or "neuron"
