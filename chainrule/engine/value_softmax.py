"""Softmax and log-softmax over a list of Values (a Tensor is handed to its own method).

Each output is one node whose children are all the inputs, so a diagram shows that every
probability depends on every score.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from chainrule.engine.ieee import softmax_data
from chainrule.engine.value import Number, Value, _constant, _result


def softmax(values: Sequence[Value | Number], axis: int = -1) -> Any:
    """Softmax over a list: s_i = e^(x_i − m) / Σ_j e^(x_j − m), with m = max x.

    Each output is one node whose children are all the inputs, with local derivatives
    ∂s_i/∂x_j = s_i(δ_ij − s_j). A Tensor is handed to its own ``softmax(axis)``.

    >>> [round(s.data, 4) for s in softmax([Value(1.0), Value(2.0), Value(3.0)])]
    [0.09, 0.2447, 0.6652]
    """
    if _is_tensor(values):
        return values.softmax(axis)  # type: ignore[attr-defined]
    inputs = _as_values(values, "softmax")
    probabilities = softmax_data([v.data for v in inputs])[0]
    requires_grad = any(v.requires_grad for v in inputs)
    outputs = []
    for i, s_i in enumerate(probabilities):
        local = tuple(s_i * ((1.0 if i == j else 0.0) - s_j) for j, s_j in enumerate(probabilities))
        outputs.append(_result(s_i, "softmax", inputs, local, requires_grad))
    return outputs


def log_softmax(values: Sequence[Value | Number], axis: int = -1) -> Any:
    """Log-softmax over a list: x_i − m − log Σ_j e^(x_j − m); ∂/∂x_j = δ_ij − s_j.

    A Tensor is handed to its own ``log_softmax(axis)``.
    """
    if _is_tensor(values):
        return values.log_softmax(axis)  # type: ignore[attr-defined]
    inputs = _as_values(values, "log_softmax")
    data = [v.data for v in inputs]
    probabilities, top, log_total = softmax_data(data)
    requires_grad = any(v.requires_grad for v in inputs)
    outputs = []
    for i, x_i in enumerate(data):
        local = tuple((1.0 if i == j else 0.0) - s_j for j, s_j in enumerate(probabilities))
        outputs.append(_result(x_i - top - log_total, "log_softmax", inputs, local, requires_grad))
    return outputs


def _is_tensor(x: object) -> bool:
    """A Tensor, recognised without importing it (tensor.py builds on this module's graph)."""
    return not isinstance(x, (list, tuple)) and hasattr(x, "log_softmax") and hasattr(x, "shape")


def _as_values(values: Iterable[Value | Number], name: str) -> tuple[Value, ...]:
    if isinstance(values, (Value, str, bytes)):
        raise TypeError(f"{name}() takes a list of Values, got {type(values).__name__}")
    result = []
    for v in values:
        if isinstance(v, Value):
            result.append(v)
        else:
            c = _constant(v)
            if c is NotImplemented:
                raise TypeError(f"{name}() takes Values or numbers, got {type(v).__name__}")
            result.append(c)
    if not result:
        raise ValueError(f"{name}() of an empty list")
    return tuple(result)
