"""Finite-difference gradient checking: compare backward's gradients with central differences.

As PyTorch's ``torch.autograd.gradcheck``: for every input element x_j and output element y_i,
the numeric derivative (y_i(x + ε·e_j) − y_i(x − ε·e_j)) / 2ε is compared with the analytic
one that `backward` finds with the one-hot seed e_i, and the two must satisfy
|analytic − numeric| ≤ atol + rtol·|numeric|. Values and Tensors (anything whose ``data`` is a
NumPy array) are both accepted, by duck typing, so this module does not import `Tensor`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from chainrule.engine.gradcheck_inputs import (
    as_input_list,
    as_output_list,
    element_count,
    is_array_node,
    output_vector,
)
from chainrule.engine.graph import topological_order
from chainrule.engine.mode import enable_grad, no_grad

#: Ops whose derivative jumps where their operand is 0: (the sides' derivatives in words).
KINKS = {
    "relu": "0 on the left, 1 on the right",
    "abs": "−1 on the left, 1 on the right",
    "leaky_relu": "the slope on the left, 1 on the right",
}
#: An operand this many finite-difference steps from 0 or closer puts its input on a kink.
_KINK_STEPS = 100


class GradcheckError(ValueError):
    """Raised by `gradcheck` when an analytic gradient disagrees with finite differences."""


class GradcheckRow(NamedTuple):
    """One checked derivative ∂y_i/∂x_j: by backward (analytic) and by central differences."""

    input_index: int  # which input (its position in `inputs`)
    label: str | None  # the input's label, if it has one
    element: tuple[int, ...]  # the element of that input: () for a Value, else a NumPy index
    output_element: int  # which output element (outputs flattened and concatenated)
    analytic: float
    numeric: float
    ok: bool  # |analytic − numeric| ≤ atol + rtol·|numeric| (equal infinities match)
    hint: str = ""  # for a mismatch: a likely reason (a kink, a disconnected input), if seen


def gradcheck_report(
    f: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> list[GradcheckRow]:
    """Every derivative of `f` at `inputs`, by backward and by central differences.

    One row per output element and element of each input that ``requires_grad``, by input,
    then element, then output: for a scalar `f` of Values, one row per input. The inputs' data
    and gradients are the same afterwards as before. `gradcheck` gives this report's verdict.

    Args:
        f: called as ``f(*inputs)``; returns a Value or Tensor, or a sequence of them.
        inputs: a Value or Tensor, or a sequence of them.
        eps: the finite-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance (relative to the numeric gradient).

    Returns:
        The rows, each with both numbers and whether they agree.

    Raises:
        ValueError: if no input requires grad.
        TypeError: if an input or output is neither a Value nor a Tensor.

    >>> from chainrule.engine.value import Value
    >>> x, y = Value(3.0, label="x"), Value(-2.0, label="y")
    >>> for row in gradcheck_report(lambda a, b: a * b, [x, y]):
    ...     print(row.label, row.analytic, round(row.numeric, 6), row.ok)
    x -2.0 -2.0 True
    y 3.0 3.0 True
    """
    return _report(f, inputs, eps, atol, rtol)


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
    rows = _report(f, inputs, eps, atol, rtol)
    mismatches = [row for row in rows if not row.ok]
    if not mismatches:
        return True
    if raise_exception:
        worst = min(
            mismatches,
            key=lambda r: (-_excess(r, atol, rtol), r.input_index, r.output_element, r.element),
        )
        message = _describe(worst, atol, rtol)
        raise GradcheckError(f"{message}; {worst.hint}" if worst.hint else message)
    return False


def _report(
    f: Callable[..., Any], inputs: Any, eps: float, atol: float, rtol: float
) -> list[GradcheckRow]:
    """The rows of `gradcheck_report` (each public function calls this one directly, so a
    warning about an input points at the user's call)."""
    inputs = as_input_list(inputs)
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
    rows: list[GradcheckRow] = []
    hints: _Hints | None = None
    for k in checked:
        a, n = analytic[k], numeric[k]  # outputs × elements
        ok = _close(a, n, atol, rtol)
        shape = inputs[k].data.shape if is_array_node(inputs[k]) else ()
        label = getattr(inputs[k], "label", None)
        for j in range(a.shape[1]):
            element = tuple(int(i) for i in np.unravel_index(j, shape))
            for i in range(a.shape[0]):
                row = GradcheckRow(
                    k, label, element, i, float(a[i, j]), float(n[i, j]), bool(ok[i, j])
                )
                if not row.ok:
                    hints = hints or _Hints(f, inputs, eps)
                    row = row._replace(hint=hints.why(row))
                rows.append(row)
    return rows


class _Hints:
    """Likely reasons for a mismatch, read from the graph `f` builds at the inputs."""

    def __init__(self, f: Callable[..., Any], inputs: list[Any], eps: float) -> None:
        self.inputs = inputs
        outputs = as_output_list(f(*inputs))
        # Duck-typed outputs may have no graph to read: then only the numbers speak.
        self.graph = all(hasattr(y, "children") for y in outputs)
        self.reachable: set[Any] = set()
        for y in outputs if self.graph else ():
            self.reachable.update(topological_order(y))
        self.kinks = [  # (op, the nodes below it) for every kink op whose operand is near 0
            (node.op, topological_order(node))
            for node in self.reachable
            if getattr(node, "op", None) in KINKS
            and _near_zero(node.children[0].data, _KINK_STEPS * eps)
        ]

    def why(self, row: GradcheckRow) -> str:
        x = self.inputs[row.input_index]
        name = repr(row.label) if row.label else f"input {row.input_index}"
        for op, below in sorted(self.kinks, key=lambda kink: len(kink[1])):
            if x in below:
                return (
                    f"{name} sits on a kink of {op} (its operand is 0 there, or within the "
                    f"finite-difference step): {op}'s derivative is one-sided there "
                    f"({KINKS[op]}) and central differences average the two sides; "
                    "check at a point off the kink"
                )
        if row.analytic == 0.0 and row.numeric != 0.0 and math.isfinite(row.numeric):
            where = (
                "gets 0"
                if x in self.reachable or not self.graph
                else ("is not in the output's graph")
            )
            return (
                f"the analytic gradient is exactly 0 ({name} {where}): the input may be "
                "disconnected; a float() or math.* call on a Value breaks the graph (use the "
                "Value's own methods: x.exp(), x.tanh() …)"
            )
        return ""


def _near_zero(data: Any, tolerance: float) -> bool:
    return bool(np.any(np.abs(np.asarray(data, dtype=float)) <= tolerance))


# ------------------------------------------------------------------------------- jacobians
def _numeric_jacobian(f: Callable[..., Any], inputs: list[Any], index: int, eps: float):
    """Column j is (f(x + ε·e_j) − f(x − ε·e_j)) / 2ε for input `index` (outputs as rows)."""
    x = inputs[index]
    original = x.data
    columns = []
    for j in range(element_count(x)):
        around = []
        for step in (eps, -eps):
            if is_array_node(x):
                perturbed = original.copy()
                perturbed.flat[j] += step
                x.data = perturbed
            else:
                x.data = original + step
            with no_grad():
                around.append(output_vector(as_output_list(f(*inputs))))
            x.data = original
        with np.errstate(invalid="ignore", over="ignore"):  # inf − inf is nan: a mismatch
            columns.append((around[0] - around[1]) / (2.0 * eps))
    return np.stack(columns, axis=1)


def _analytic_jacobians(f: Callable[..., Any], inputs: list[Any], checked: list[int]):
    """Row i of input k's Jacobian is the gradient of input k after backward with seed e_i."""
    outputs = as_output_list(f(*inputs))
    rows: dict[int, list[np.ndarray]] = {k: [] for k in checked}
    for y in outputs:
        array = is_array_node(y)
        size = int(y.data.size) if array else 1
        for element in range(size):
            for k in checked:
                inputs[k].grad = None if is_array_node(inputs[k]) else 0.0
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
    size = element_count(x)
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
def _close(analytic: np.ndarray, numeric: np.ndarray, atol: float, rtol: float) -> np.ndarray:
    """|a − n| ≤ atol + rtol·|n| elementwise; infinities match only themselves, nan nothing."""
    with np.errstate(invalid="ignore", over="ignore"):
        within = np.abs(analytic - numeric) <= atol + rtol * np.abs(numeric)
    finite = np.isfinite(analytic) & np.isfinite(numeric)
    return (analytic == numeric) | (finite & within)


def _excess(row: GradcheckRow, atol: float, rtol: float) -> float:
    """How many tolerances apart a mismatch is (nan and infinities count as infinitely far)."""
    difference = abs(row.analytic - row.numeric)
    allowed = atol + rtol * abs(row.numeric)
    if not math.isfinite(difference) or not allowed > 0:
        return math.inf
    return difference / allowed


def _describe(worst: GradcheckRow, atol: float, rtol: float) -> str:
    name = f"input {worst.input_index}"
    if worst.label:
        name = f"{worst.label!r} ({name})"
    if worst.element:
        name += f" at element {worst.element}"
    difference = abs(worst.analytic - worst.numeric)
    tolerance = atol + rtol * abs(worst.numeric)
    return (
        f"gradient mismatch for {name}, output element {worst.output_element}: "
        f"analytic {worst.analytic!r} vs numeric {worst.numeric!r} "
        f"(|difference| {difference:.3g} > atol + rtol·|numeric| = {tolerance:.3g})"
    )


# ------------------------------------------------------------------------- second order
def gradgradcheck(
    f: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check the second derivatives of `f` against finite differences of its first ones.

    As PyTorch's ``torch.autograd.gradcheck.gradgradcheck``: the first derivatives
    ``grad(f(inputs), inputs, grad_outputs, create_graph=True)`` are themselves a function of
    the inputs and of `grad_outputs`, and `gradcheck` checks that function: its derivatives
    by backward through the gradient's graph against central differences.

    Args:
        f: called as ``f(*inputs)``; returns a Value or Tensor, or a sequence of them.
        inputs: a Value or Tensor, or a sequence of them.
        grad_outputs: the seed for each output (Values or Tensors of the outputs' shapes);
            None draws them at random in [−1, 1] (seeded, so a run repeats), with
            ``requires_grad=True`` so that the derivatives in them are checked too.
        eps: the finite-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance (relative to the numeric derivative).
        raise_exception: raise `GradcheckError` on a mismatch (else return False).

    Returns:
        True when every second derivative matches; False on a mismatch with
        ``raise_exception=False``.

    Raises:
        GradcheckError: on a mismatch, naming the worst input and both numbers (inputs after
            the last of `inputs` are the grad_outputs).
        ValueError: if no input requires grad.
        TypeError: if an input or output is neither a Value nor a Tensor.

    >>> from chainrule.engine.value import Value
    >>> x, y = Value(0.3, label="x"), Value(-1.2, label="y")
    >>> gradgradcheck(lambda a, b: (a * b).tanh() + a.exp() * b, [x, y])
    True
    """
    from chainrule.engine.higher import grad

    inputs = as_input_list(inputs)
    differentiated = [x for x in inputs if x.requires_grad]
    if not differentiated:
        raise ValueError("gradgradcheck needs at least one input with requires_grad=True")
    with enable_grad():
        outputs = as_output_list(f(*inputs))
    seeds = _random_seeds(outputs) if grad_outputs is None else as_input_list(grad_outputs)
    count = len(inputs)

    def first_derivatives(*args: Any) -> list[Any]:
        with enable_grad():
            ys = as_output_list(f(*args[:count]))
            pairs = [(y, v) for y, v in zip(ys, args[count:]) if y.requires_grad]
            xs = [x for x in args[:count] if x.requires_grad]
            if not pairs:
                return [_zeros_like(x) for x in xs]
            found = grad(
                [y for y, _ in pairs],
                xs,
                [v for _, v in pairs],
                create_graph=True,
                allow_unused=True,
            )
        return [_zeros_like(x) if g is None else g for g, x in zip(found, xs)]

    try:
        return gradcheck(
            first_derivatives,
            [*inputs, *seeds],
            eps=eps,
            atol=atol,
            rtol=rtol,
            raise_exception=raise_exception,
        )
    except GradcheckError as error:
        raise GradcheckError(f"second derivatives (gradgradcheck): {error}") from None


def _random_seeds(outputs: list[Any]) -> list[Any]:
    """One seed per output, uniform in [−1, 1], of the output's type and shape."""
    rng = np.random.default_rng(0)
    seeds = []
    for y in outputs:
        if is_array_node(y):
            data: Any = rng.uniform(-1.0, 1.0, size=y.data.shape)
        else:
            data = float(rng.uniform(-1.0, 1.0))
        seeds.append(type(y)(data, requires_grad=True))
    return seeds


def _zeros_like(x: Any) -> Any:
    data = np.zeros_like(x.data) if is_array_node(x) else 0.0
    return type(x)(data, requires_grad=False)
