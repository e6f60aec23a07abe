"""Finite-difference gradient checking: compare backward's gradients with central differences.

As PyTorch's ``torch.autograd.gradcheck``: for every input element x_j and output element y_i,
the numeric derivative (y_i(x + ε·e_j) − y_i(x − ε·e_j)) / 2ε is compared with the analytic
one that `backward` finds with the one-hot seed e_i, and the two must satisfy
|analytic − numeric| ≤ atol + rtol·|numeric|. Values and Tensors (anything whose ``data`` is a
NumPy array) are both accepted, by duck typing, so this module does not import `Tensor`.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from chainrule.engine.mode import no_grad


class GradcheckError(ValueError):
    """Raised by `gradcheck` when an analytic gradient disagrees with finite differences."""


class _Mismatch(NamedTuple):
    excess: float  # |analytic − numeric| / (atol + rtol·|numeric|); above 1 means a mismatch
    input_index: int
    element: int
    output: int
    analytic: float
    numeric: float


def gradcheck(
    f: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check the gradients of `f` at `inputs` against central finite differences.

    Only the inputs with ``requires_grad`` are checked. The inputs' data and gradients are
    the same afterwards as before.

    Args:
        f: called as ``f(*inputs)``; returns a Value or Tensor, or a sequence of them.
        inputs: a Value or Tensor, or a sequence of them.
        eps: the finite-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance (relative to the numeric gradient).
        raise_exception: raise `GradcheckError` on a mismatch (else return False).

    Returns:
        True when every gradient matches; False on a mismatch with ``raise_exception=False``.

    Raises:
        GradcheckError: on a mismatch, naming the worst input element and both numbers.
        ValueError: if no input requires grad.
        TypeError: if an input or output is neither a Value nor a Tensor.

    >>> from chainrule.engine.value import Value
    >>> x, y = Value(0.3, label="x"), Value(-1.2, label="y")
    >>> gradcheck(lambda a, b: (a * b).tanh() + a.exp(), [x, y])
    True
    """
    inputs = _as_input_list(inputs)
    checked = [i for i, x in enumerate(inputs) if x.requires_grad]
    if not checked:
        raise ValueError("gradcheck needs at least one input with requires_grad=True")
    saved = [(x.data, x.grad) for x in inputs]
    try:
        numeric = {i: _numeric_jacobian(f, inputs, i, eps) for i in checked}
        analytic = _analytic_jacobians(f, inputs, checked)
    finally:
        for x, (data, grad) in zip(inputs, saved):
            x.data, x.grad = data, grad
    worst = _worst_mismatch(analytic, numeric, atol, rtol)
    if worst is None:
        return True
    if raise_exception:
        raise GradcheckError(_describe(worst, inputs, atol, rtol))
    return False


# ---------------------------------------------------------------------------- inputs, outputs
def _is_array_node(x: Any) -> bool:
    return isinstance(getattr(x, "data", None), np.ndarray)


def _as_input_list(inputs: Any) -> list[Any]:
    if hasattr(inputs, "data") and hasattr(inputs, "requires_grad"):
        inputs = [inputs]
    if not isinstance(inputs, Sequence) or isinstance(inputs, (str, bytes)):
        raise TypeError(f"gradcheck inputs must be Values or Tensors, got {type(inputs).__name__}")
    for index, x in enumerate(inputs):
        if not (hasattr(x, "data") and hasattr(x, "requires_grad") and hasattr(x, "backward")):
            raise TypeError(
                f"gradcheck input {index} must be a Value or Tensor, got {type(x).__name__}"
            )
        if _is_array_node(x) and x.requires_grad and x.data.dtype != np.float64:
            warnings.warn(
                f"gradcheck input {index} is {x.data.dtype}, not float64: finite "
                "differences need double precision to be meaningful",
                stacklevel=3,
            )
    return list(inputs)


def _as_output_list(result: Any) -> list[Any]:
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


def _output_vector(outputs: list[Any]) -> np.ndarray:
    """Every output element, flattened into one float64 vector."""
    parts = [np.asarray(getattr(y, "data", y), dtype=np.float64).ravel() for y in outputs]
    return np.concatenate(parts) if parts else np.zeros(0)


def _size(x: Any) -> int:
    return int(x.data.size) if _is_array_node(x) else 1


# ------------------------------------------------------------------------------- jacobians
def _numeric_jacobian(f: Callable[..., Any], inputs: list[Any], index: int, eps: float):
    """Column j is (f(x + ε·e_j) − f(x − ε·e_j)) / 2ε for input `index` (outputs as rows)."""
    x = inputs[index]
    original = x.data
    columns = []
    for j in range(_size(x)):
        around = []
        for step in (eps, -eps):
            if _is_array_node(x):
                perturbed = original.copy()
                perturbed.flat[j] += step
                x.data = perturbed
            else:
                x.data = original + step
            with no_grad():
                around.append(_output_vector(_as_output_list(f(*inputs))))
            x.data = original
        columns.append((around[0] - around[1]) / (2.0 * eps))
    return np.stack(columns, axis=1)


def _analytic_jacobians(f: Callable[..., Any], inputs: list[Any], checked: list[int]):
    """Row i of input k's Jacobian is the gradient of input k after backward with seed e_i."""
    outputs = _as_output_list(f(*inputs))
    rows: dict[int, list[np.ndarray]] = {k: [] for k in checked}
    for y in outputs:
        array = _is_array_node(y)
        size = int(y.data.size) if array else 1
        for element in range(size):
            for k in checked:
                inputs[k].grad = None if _is_array_node(inputs[k]) else 0.0
            if getattr(y, "requires_grad", False):
                if array:
                    seed = np.zeros(y.data.shape, dtype=y.data.dtype)
                    seed.flat[element] = 1.0
                    y.backward(seed)
                else:
                    y.backward(1.0)
            for k in checked:
                rows[k].append(_grad_vector(inputs[k], k))
    return {k: np.stack(rows[k], axis=0) for k in checked}


def _grad_vector(x: Any, index: int) -> np.ndarray:
    size = _size(x)
    if x.grad is None:
        return np.zeros(size)
    grad = np.asarray(x.grad, dtype=np.float64).ravel()
    if grad.size != size:
        raise GradcheckError(
            f"input {index} has {size} elements but its gradient has {grad.size}: "
            "backward produced a gradient of the wrong shape"
        )
    return grad


# ------------------------------------------------------------------------------ comparison
def _worst_mismatch(analytic: dict, numeric: dict, atol: float, rtol: float) -> _Mismatch | None:
    """The element whose error exceeds its tolerance the most (nan counts as infinitely bad)."""
    worst = None
    for k, a in analytic.items():
        n = numeric[k]
        with np.errstate(invalid="ignore", over="ignore"):
            allowed = atol + rtol * np.abs(n)
            excess = np.abs(a - n) / allowed
        excess = np.where(a == n, 0.0, excess)  # equal infinities match, as in torch.allclose
        excess = np.where(np.isnan(excess), math.inf, excess)
        output, element = np.unravel_index(int(np.argmax(excess)), excess.shape)
        value = float(excess[output, element])
        if value > 1.0 and (worst is None or value > worst.excess):
            worst = _Mismatch(
                value,
                k,
                int(element),
                int(output),
                float(a[output, element]),
                float(n[output, element]),
            )
    return worst


def _describe(worst: _Mismatch, inputs: list[Any], atol: float, rtol: float) -> str:
    x = inputs[worst.input_index]
    name = f"input {worst.input_index}"
    label = getattr(x, "label", None)
    if label:
        name = f"{label!r} ({name})"
    if _is_array_node(x) and x.data.ndim > 0:
        index = np.unravel_index(worst.element, x.data.shape)
        name += f" at element {tuple(int(i) for i in index)}"
    difference = abs(worst.analytic - worst.numeric)
    tolerance = atol + rtol * abs(worst.numeric)
    return (
        f"gradient mismatch for {name}, output element {worst.output}: "
        f"analytic {worst.analytic!r} vs numeric {worst.numeric!r} "
        f"(|difference| {difference:.3g} > atol + rtol·|numeric| = {tolerance:.3g})"
    )
