"""Activation functions by name or callable, for a `Value`, a list of Values or a Tensor.

Each function only calls the method of the same name that `Value` and `Tensor` share
(``x.relu()``, ``x.tanh()`` ...), so one definition serves the scalar and the batched path.
``softmax`` acts on a whole layer: a list of Values or a Tensor along an axis.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from chainrule.engine import value as _lists

Activation = Callable[[Any], Any]


def relu(x: Any) -> Any:
    """max(0, x)."""
    return x.relu()


def leaky_relu(x: Any, slope: float = 0.01) -> Any:
    """x for x > 0, slope·x otherwise."""
    return x.leaky_relu(slope)


def sigmoid(x: Any) -> Any:
    """σ(x) = 1 / (1 + e^−x)."""
    return x.sigmoid()


def tanh(x: Any) -> Any:
    """The hyperbolic tangent, (e^x − e^−x) / (e^x + e^−x)."""
    return x.tanh()


def gelu(x: Any) -> Any:
    """GELU, x·Φ(x) with Φ the standard normal CDF (exact erf form)."""
    return x.gelu()


def linear(x: Any) -> Any:
    """The identity: a neuron without a non-linearity (micrograd's last layer)."""
    return x


def softmax(x: Any, axis: int = -1) -> Any:
    """e^(x_i − max x) / Σ_j e^(x_j − max x) over a list of Values, or a Tensor along `axis`.

    >>> from chainrule import Value
    >>> [round(s.data, 3) for s in softmax([Value(0.0), Value(0.0)])]
    [0.5, 0.5]
    """
    if isinstance(x, Sequence):
        return _lists.softmax(x)
    return x.softmax(axis=axis)


ACTIVATIONS: dict[str, Activation] = {
    "relu": relu,
    "leaky_relu": leaky_relu,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "gelu": gelu,
    "softmax": softmax,
    "linear": linear,
}

#: Activations that act on a whole layer (a list of outputs) rather than on one neuron.
LAYER_ACTIVATIONS = frozenset({"softmax"})


def get_activation(activation: str | Activation | None) -> Activation:
    """Return the activation function for a name, a callable, or None (= linear).

    Args:
        activation: one of ``relu, leaky_relu, sigmoid, tanh, gelu, softmax, linear``, None
            for linear, or any callable taking a Value (or Tensor) and returning one.

    Returns:
        A callable that applies the activation.

    Raises:
        ValueError: for an unknown name.
        TypeError: for something that is neither a name nor a callable.

    >>> from chainrule import Value
    >>> get_activation("relu")(Value(-2.0)).data
    0.0
    """
    if activation is None:
        return linear
    if isinstance(activation, str):
        try:
            return ACTIVATIONS[activation]
        except KeyError:
            known = ", ".join(ACTIVATIONS)
            raise ValueError(f"unknown activation {activation!r}; known: {known}") from None
    if callable(activation):
        return activation
    raise TypeError(f"activation must be a name or a callable, got {type(activation).__name__}")


def activation_name(activation: str | Activation | None) -> str:
    """The name of an activation: its registered name, or a callable's ``__name__``."""
    function = get_activation(activation)
    for name, known in ACTIVATIONS.items():
        if function is known:
            return name
    return getattr(function, "__name__", type(function).__name__)
