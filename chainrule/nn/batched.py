"""`Linear` and `MLP` on Tensors: the scalar MLP's mathematics, one matrix product per layer.

A batched `MLP` is the twin of `chainrule.nn.MLP`: the same constructor, the same initial
weights for the same seed, and exact conversion both ways (`MLP.from_scalar`, `to_scalar`).
Neuron j of layer l is column j of ``layers[l].w`` (shape (nin, nout)) and entry j of
``layers[l].b``. So a model can be trained batched, then converted to draw the scalar graph
of one sample with the trained weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor, constant
from chainrule.nn import layers as scalar
from chainrule.nn.activations import (
    ACTIVATIONS,
    LAYER_ACTIVATIONS,
    Activation,
    activation_name,
    get_activation,
)
from chainrule.nn.module import Module


class Linear(Module):
    """y = f(x·w + b) for a batch x of shape (batch, nin): `nout` neurons side by side.

    Args:
        nin: number of inputs.
        nout: number of neurons (outputs).
        activation: f, by name or callable; ``"linear"`` (the default) or None for none;
            ``"softmax"`` is taken along the last axis.
        init: ``"auto"``, ``"he"``, ``"xavier"`` or ``"uniform"``, as for `chainrule.nn.Neuron`.
        seed: an int or a `random.Random`; draws the weights in the scalar `Layer`'s order.
        dtype: ``np.float64`` (the default) or ``np.float32``.

    Attributes:
        w: the weights, a Tensor of shape (nin, nout); column j is neuron j's.
        b: the biases, a Tensor of shape (nout,), starting at 0.

    >>> layer = Linear(3, 2, "relu", seed=0)
    >>> layer(np.ones((5, 3))).shape
    (5, 2)
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | Activation | None = "linear",
        *,
        init: str = "auto",
        seed: scalar.Seed = None,
        dtype: Any = np.float64,
    ) -> None:
        for name, size in (("nin", nin), ("nout", nout)):
            if not isinstance(size, int) or size < 1:
                raise ValueError(f"{name} must be a positive int, got {size!r}")
        self.nin = nin
        self.nout = nout
        self.activation = activation_name(activation)
        self.w = Tensor(_initial_weights(nin, nout, self.activation, init, seed), dtype=dtype)
        self.w.requires_grad = True
        self.b = Tensor(np.zeros(nout), requires_grad=True, dtype=dtype)
        self._activate = None if self.activation == "linear" else get_activation(activation)
        self.label_parameters()

    def __call__(self, x: Any) -> Tensor:
        out = _as_input(x, self.w) @ self.w + self.b
        return out if self._activate is None else self._activate(out)

    def __repr__(self) -> str:
        return f"Linear({self.nin} → {self.nout} {self.activation})"


def _initial_weights(nin: int, nout: int, activation: str, init: str, seed: Any) -> np.ndarray:
    """U(−bound, bound) weights drawn in the order the scalar `Layer` draws them.

    The scalar layer makes its neurons one after the other, each drawing its `nin` weights
    from one shared generator; neuron j's weights become column j here. The matrix is stored
    row-major, as hand-written NumPy and PyTorch store theirs: a transpose left column-major
    made every step's ``x @ w`` and its weight gradient read across the grain (a dense
    784-256-256-10 step took 3.0 ms instead of 2.6).
    """
    per_neuron = "linear" if activation in LAYER_ACTIVATIONS else activation
    bound = scalar._bound(init, per_neuron, nin, nout)
    uniform = scalar._generator(seed).uniform
    columns = [[uniform(-bound, bound) for _ in range(nin)] for _ in range(nout)]
    return np.ascontiguousarray(np.array(columns, dtype=np.float64).T)


def _as_input(x: Any, like: Tensor) -> Tensor:
    if isinstance(x, Tensor):
        return x
    array = np.asarray(x)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"a batched model takes an array or Tensor, got {type(x).__name__}")
    return constant(array.astype(like.data.dtype, copy=False), like)


class MLP(Module):
    """The scalar `chainrule.nn.MLP`, batched: each layer is one `Linear`.

    Takes the scalar MLP's arguments (and draws the same initial weights for the same seed),
    plus ``dtype``. Called on a (batch, nin) array or Tensor, it returns a Tensor of shape
    (batch,) when the last layer has one neuron, else (batch, nout); a single sample of
    shape (nin,) gives shape () or (nout,).

    >>> model = MLP(2, [16, 16, 1], seed=0)
    >>> model(np.zeros((4, 2))).shape
    (4,)
    >>> twin = model.to_scalar()
    >>> round(twin([0.5, -1.0]).data, 9) == round(model(np.array([[0.5, -1.0]])).item(), 9)
    True
    """

    batched = True

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str | Activation | None = "relu",
        output_activation: str | Activation | None = None,
        *,
        init: str = "auto",
        seed: scalar.Seed = None,
        dtype: Any = np.float64,
    ) -> None:
        if isinstance(nouts, int) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        rng = scalar._generator(seed)
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.nin = nin
        self.nouts = list(nouts)
        self.activation = activation_name(activation)
        self.output_activation = (
            None if output_activation is None else activation_name(output_activation)
        )
        self.init = init
        self.dtype = np.dtype(dtype).name
        self.layers = [
            Linear(
                sizes[i],
                sizes[i + 1],
                output_activation if i == last else activation,
                init=init,
                seed=rng,
                dtype=dtype,
            )
            for i in range(len(nouts))
        ]
        self.label_parameters()

    def __call__(self, x: Any) -> Tensor:
        out = x
        for layer in self.layers:
            out = layer(out)
        if self.nouts[-1] == 1:  # one output neuron: a score per sample, as the losses expect
            out = out.reshape(out.data.shape[:-1])
        return out

    def config(self) -> dict[str, Any]:
        """Constructor arguments as a JSON-able dict (used by save/load)."""
        return {**scalar.mlp_config(self), "dtype": self.dtype}

    parameter_count = scalar.MLP.parameter_count

    def __repr__(self) -> str:
        return f"batched.MLP({scalar.architecture(self.nin, self.layers)})"

    # ------------------------------------------------------------------ conversions
    @classmethod
    def from_scalar(cls, mlp: scalar.MLP, *, dtype: Any = np.float64) -> MLP:
        """The batched twin of a scalar MLP, with its weights copied exactly.

        Raises:
            TypeError: if `mlp` is not a `chainrule.nn.MLP`.
        """
        if not isinstance(mlp, scalar.MLP):
            raise TypeError(f"from_scalar() takes a chainrule.nn.MLP, got {type(mlp).__name__}")
        # a one-layer MLP never applies its hidden activation: any registered name will do
        hidden = _activation_of(mlp.layers[0]) if len(mlp.layers) > 1 else "relu"
        output = _activation_of(mlp.layers[-1])
        model = cls(mlp.nin, mlp.nouts, hidden, output, init=mlp.init, dtype=dtype)
        model.activation, model.output_activation = mlp.activation, mlp.output_activation
        for layer, source in zip(model.layers, mlp.layers):
            # neuron j's weights are column j
            layer.w.data[...] = np.array([[w.data for w in n.w] for n in source.neurons]).T
            layer.b.data[...] = [n.b.data for n in source.neurons]
        return model

    def to_scalar(self) -> scalar.MLP:
        """A scalar `chainrule.nn.MLP` with exactly these weights (e.g. to draw one sample)."""
        hidden = _activation_of(self.layers[0]) if len(self.layers) > 1 else "relu"
        output = None if self.output_activation is None else _activation_of(self.layers[-1])
        mlp = scalar.MLP(self.nin, self.nouts, hidden, output, init=self.init)
        mlp.activation = self.activation
        for layer, target in zip(self.layers, mlp.layers):
            weights, biases = layer.w.data.tolist(), layer.b.data.tolist()
            for j, neuron in enumerate(target.neurons):
                for i, w in enumerate(neuron.w):
                    w.data = weights[i][j]
                neuron.b.data = biases[j]
        return mlp


def _activation_of(layer: Any) -> str | Activation:
    """A layer's activation (scalar `Layer` or `Linear`), by name when it is a registered one."""
    if layer.activation in ACTIVATIONS:
        return layer.activation
    activate = layer._activate if isinstance(layer, Linear) else layer.neurons[0]._activate
    return activate if activate is not None else "linear"
