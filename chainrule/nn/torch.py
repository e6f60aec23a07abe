"""The bridge to PyTorch: an MLP as a `torch.nn.Sequential` and back, weights copied exactly.

PyTorch is optional (the ``torch`` extra) and imported only when a conversion runs, so
``chainrule.nn`` imports without it. Layer ``l`` of an MLP becomes a ``torch.nn.Linear``
(float64) whose row ``j`` of ``weight`` is neuron ``j``'s weights, followed by the layer's
activation as a module (``ReLU``, ``LeakyReLU(0.01)``, ``Sigmoid``, ``Tanh``,
``GELU()`` — the exact erf form, ``Softmax(dim=-1)``; none for a linear layer).

One difference of convention remains: a batched MLP with one output neuron returns shape
``(batch,)`` (a score per sample, as chainrule's losses expect); the Sequential returns
PyTorch's ``(batch, 1)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.nn import batched as batched_nn
from chainrule.nn import layers as scalar_nn

#: chainrule activation name → the torch.nn module class name that computes it.
_TO_TORCH = {
    "relu": "ReLU",
    "leaky_relu": "LeakyReLU",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "gelu": "GELU",
    "softmax": "Softmax",
}
_FROM_TORCH = {module: name for name, module in _TO_TORCH.items()}
_LEAKY_SLOPE = 0.01  # chainrule's leaky_relu slope, as torch.nn.LeakyReLU's default


def _import_torch() -> Any:
    """PyTorch, or an ImportError that says which extra installs it."""
    try:
        import torch
    except ImportError as error:
        raise ImportError(
            "chainrule.nn.to_torch/from_torch need PyTorch, which is not installed: "
            "pip install 'chainrule[torch]' (the torch extra, torch==2.13.0)"
        ) from error
    return torch


def to_torch(model: scalar_nn.MLP | batched_nn.MLP) -> Any:
    """The MLP as a ``torch.nn.Sequential`` of float64 Linear and activation modules.

    The weights are copied exactly, so outputs and gradients agree with chainrule's to
    float64 rounding (for a batched model with one output, torch's shape is ``(batch, 1)``).

    Args:
        model: a scalar `chainrule.nn.MLP` or a `chainrule.nn.batched.MLP`.

    Returns:
        A ``torch.nn.Sequential``: ``Linear, activation, Linear, ...``.

    Raises:
        ImportError: when PyTorch is not installed (it names the ``torch`` extra).
        TypeError: when `model` is not one of chainrule's MLPs.
        ValueError: when a layer's activation is a callable PyTorch has no module for.
    """
    if not isinstance(model, (scalar_nn.MLP, batched_nn.MLP)):
        raise TypeError(
            f"to_torch() takes a chainrule.nn.MLP or batched.MLP, got {type(model).__name__}"
        )
    torch = _import_torch()
    modules = []
    layers: list[Any] = list(model.layers)  # scalar Layers or batched Linears
    for index, layer in enumerate(layers):
        weight, bias = _layer_arrays(layer)
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(weight.T.copy()))
            linear.bias.copy_(torch.from_numpy(bias))
        modules.append(linear)
        if layer.activation != "linear":
            modules.append(_torch_activation(torch, layer.activation, index))
    return torch.nn.Sequential(*modules)


def _layer_arrays(layer: Any) -> tuple[np.ndarray, np.ndarray]:
    """A layer's weights (nin, nout) and biases (nout,) in float64, scalar or batched."""
    if isinstance(layer, batched_nn.Linear):
        return layer.w.data.astype(np.float64), layer.b.data.astype(np.float64)
    weight = np.array([[w.data for w in neuron.w] for neuron in layer.neurons]).T
    return weight, np.array([neuron.b.data for neuron in layer.neurons])


def _torch_activation(torch: Any, name: str, index: int) -> Any:
    if name not in _TO_TORCH:
        raise ValueError(
            f"layer {index}: activation {name!r} has no PyTorch module; "
            f"to_torch() converts {', '.join(sorted(_TO_TORCH))} and linear layers"
        )
    if name == "softmax":
        return torch.nn.Softmax(dim=-1)
    if name == "leaky_relu":
        return torch.nn.LeakyReLU(_LEAKY_SLOPE)
    return getattr(torch.nn, _TO_TORCH[name])()


def from_torch(sequential: Any, *, batched: bool = False) -> scalar_nn.MLP | batched_nn.MLP:
    """A chainrule MLP with exactly the weights of a ``torch.nn.Sequential``.

    The Sequential must be ``Linear`` layers (with bias), each optionally followed by one
    activation module (``ReLU``, ``LeakyReLU(0.01)``, ``Sigmoid``, ``Tanh``, ``GELU()``,
    ``Softmax(dim=-1)`` last, or ``Identity``); the hidden layers share one activation, as in
    a chainrule MLP.

    Args:
        sequential: the ``torch.nn.Sequential`` to convert.
        batched: return a `chainrule.nn.batched.MLP` (with the weights' dtype, float32 or
            float64) instead of the scalar `chainrule.nn.MLP`.

    Returns:
        The MLP; its parameters equal the Sequential's exactly.

    Raises:
        ImportError: when PyTorch is not installed (it names the ``torch`` extra).
        TypeError: when `sequential` is not a ``torch.nn.Sequential``.
        ValueError: for a layer or activation chainrule's MLP cannot express; the message
            names the layer and its position.
    """
    torch = _import_torch()
    if not isinstance(sequential, torch.nn.Sequential):
        raise TypeError(
            f"from_torch() takes a torch.nn.Sequential, got {type(sequential).__name__}"
        )
    linears, activations = _read_layers(torch, sequential)
    hidden = set(activations[:-1])
    if len(hidden) > 1:
        raise ValueError(
            "from_torch(): a chainrule MLP has one hidden activation, the Sequential's hidden "
            f"layers use {', '.join(sorted(hidden))}"
        )
    nin = linears[0].in_features
    nouts = [linear.out_features for linear in linears]
    hidden_activation = hidden.pop() if hidden else "relu"  # unused with a single layer
    output_activation = None if activations[-1] == "linear" else activations[-1]
    if batched:
        dtype = _numpy(linears[0].weight).dtype
        model: Any = batched_nn.MLP(
            nin, nouts, hidden_activation, output_activation, dtype=dtype, seed=0
        )
        for layer, linear in zip(model.layers, linears):
            layer.w.data[...] = _numpy(linear.weight).T
            layer.b.data[...] = _numpy(linear.bias)
        return model  # type: ignore[no-any-return]
    mlp = scalar_nn.MLP(nin, nouts, hidden_activation, output_activation, seed=0)
    for layer, linear in zip(mlp.layers, linears):
        weights = _numpy(linear.weight).astype(np.float64).tolist()  # (nout, nin)
        biases = _numpy(linear.bias).astype(np.float64).tolist()
        for neuron, row, b in zip(layer.neurons, weights, biases):
            for w, value in zip(neuron.w, row):
                w.data = value
            neuron.b.data = b
    return mlp


def _numpy(parameter: Any) -> np.ndarray:
    return parameter.detach().cpu().numpy()


def _read_layers(torch: Any, sequential: Any) -> tuple[list[Any], list[str]]:
    """The Linear modules, and after each the name of its activation (``"linear"``: none)."""
    linears: list[Any] = []
    activations: list[str] = []
    for index, module in enumerate(sequential):
        where = f"layer {index} ({module!r})"
        if isinstance(module, torch.nn.Linear):
            if module.bias is None:
                raise ValueError(f"from_torch(): {where} has no bias; chainrule neurons do")
            if linears and module.in_features != linears[-1].out_features:
                raise ValueError(
                    f"from_torch(): {where} takes {module.in_features} inputs, "
                    f"the layer before gives {linears[-1].out_features}"
                )
            linears.append(module)
            activations.append("linear")
            continue
        name = _activation_name(torch, module, where)
        if not linears:
            raise ValueError(f"from_torch(): {where} comes before any Linear layer")
        if activations[-1] != "linear":
            raise ValueError(f"from_torch(): {where} is a second activation after one Linear")
        if name == "softmax" and index != len(sequential) - 1:
            raise ValueError(f"from_torch(): {where}: Softmax is supported as the last layer only")
        activations[-1] = name
    if not linears:
        raise ValueError("from_torch(): the Sequential has no Linear layer")
    return linears, activations


def _activation_name(torch: Any, module: Any, where: str) -> str:
    """chainrule's name for an activation module, or a ValueError naming the layer."""
    kind = type(module).__name__
    if isinstance(module, torch.nn.Identity):
        return "linear"
    if type(module).__module__.startswith("torch.nn") and kind in _FROM_TORCH:
        name = _FROM_TORCH[kind]
        if name == "leaky_relu" and module.negative_slope != _LEAKY_SLOPE:
            raise ValueError(
                f"from_torch(): {where}: chainrule's leaky_relu has slope {_LEAKY_SLOPE}"
            )
        if name == "gelu" and module.approximate != "none":
            raise ValueError(f"from_torch(): {where}: chainrule's gelu is the exact erf form")
        if name == "softmax" and module.dim not in (-1, 1):
            raise ValueError(f"from_torch(): {where}: Softmax must act on the last axis")
        return name
    known = ", ".join(["Linear", "Identity", *sorted(_FROM_TORCH)])
    raise ValueError(f"from_torch(): unsupported {where}; chainrule's MLP is made of {known}")
