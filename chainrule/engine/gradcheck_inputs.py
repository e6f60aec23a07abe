"""What `gradcheck` accepts: Values and Tensors by duck typing, their outputs as float64 vectors.

A Tensor is recognised by its ``data`` being a NumPy array, so this module (like gradcheck)
never imports `Tensor`.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np


def is_array_node(x: Any) -> bool:
    """Whether `x` holds a NumPy array (a Tensor, or anything shaped like one)."""
    return isinstance(getattr(x, "data", None), np.ndarray)


def as_input_list(inputs: Any) -> list[Any]:
    """The inputs as a list, checked; warns when an array input is not float64."""
    if hasattr(inputs, "data") and hasattr(inputs, "requires_grad"):
        inputs = [inputs]
    if not isinstance(inputs, Sequence) or isinstance(inputs, (str, bytes)):
        raise TypeError(f"gradcheck inputs must be Values or Tensors, got {type(inputs).__name__}")
    for index, x in enumerate(inputs):
        if not (hasattr(x, "data") and hasattr(x, "requires_grad") and hasattr(x, "backward")):
            raise TypeError(
                f"gradcheck input {index} must be a Value or Tensor, got {type(x).__name__}"
            )
        if is_array_node(x) and x.requires_grad and x.data.dtype != np.float64:
            warnings.warn(
                f"gradcheck input {index} is {x.data.dtype}, not float64: finite "
                "differences need double precision to be meaningful",
                stacklevel=4,  # the caller of gradcheck or gradcheck_report
            )
    return list(inputs)


def as_output_list(result: Any) -> list[Any]:
    """What `f` returned, as a list of outputs (Values, Tensors or plain numbers)."""
    if hasattr(result, "data") and hasattr(result, "backward"):
        return [result]
    if isinstance(result, numbers.Real):
        return [result]
    if isinstance(result, Sequence) and not isinstance(result, (str, bytes)):
        for index, y in enumerate(result):
            if not (hasattr(y, "data") and hasattr(y, "backward")) and not isinstance(
                y, numbers.Real
            ):
                raise TypeError(f"f returned {type(y).__name__} as output {index}")
        return list(result)
    raise TypeError(f"f must return a Value or Tensor (or a list of them), got {type(result)}")


def output_vector(outputs: list[Any]) -> np.ndarray:
    """Every output element, flattened into one float64 vector."""
    parts = [np.asarray(getattr(y, "data", y), dtype=np.float64).ravel() for y in outputs]
    return np.concatenate(parts) if parts else np.zeros(0)


def element_count(x: Any) -> int:
    """How many numbers an input holds: 1 for a Value."""
    return int(x.data.size) if is_array_node(x) else 1
