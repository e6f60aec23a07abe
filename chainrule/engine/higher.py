"""Gradients as Values: `backward(create_graph=True)` and `grad`, differentiable again.

The pass visits the same nodes in the same order as the float backward pass and adds the
same contributions, ``local · upstream``, but with each local derivative built from ops
(`chainrule.engine.derivatives`) and every product and sum recorded as a graph. A gradient
found this way is a `Value` whose graph leads back to the inputs: differentiating it again
gives second derivatives, and again, any order. Its numbers equal the float pass's.

Multiplying by a constant 1 is skipped and a constant 0 sends nothing, so the backward graph
stays as small as the chain rule written by hand, and a zero local derivative (relu at
a ≤ 0) stops a nan or inf coming from above, as in PyTorch.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from operator import attrgetter
from typing import Any

from chainrule.engine.derivatives import Local, local_derivatives
from chainrule.engine.graph import next_serial
from chainrule.engine.mode import MODE, no_grad
from chainrule.engine.value import Value

_by_creation = attrgetter("_serial")


def _constant(x: float) -> Value:
    return Value(x, requires_grad=False)


def _times(local: Local, g: Value) -> Value | None:
    """The contribution ``local · g`` of one edge, None when the local derivative is 0.

    Multiplying by a constant ±1 is exact, so it is left out of the graph (or is a negation).
    """
    if local is None:
        return None
    if type(local) is float:
        if local == 1.0:
            return g
        if local == -1.0:
            return -g
    elif g.data == 1.0 and not g.requires_grad and not g.children:
        return local  # type: ignore[return-value]
    return local * g  # type: ignore[operator]


def _order(roots: Sequence[Value]) -> tuple[list[Value], set[Value]]:
    """The non-leaf nodes that need a gradient, latest first, and the leaves they reach."""
    seen = set(roots)
    stack = [r for r in roots if r.children]
    leaves = {r for r in roots if not r.children}
    nodes = list(stack)
    while stack:
        for child in stack.pop().children:
            if child not in seen and child.requires_grad:
                seen.add(child)
                if child.children:
                    stack.append(child)
                    nodes.append(child)
                else:
                    leaves.add(child)
    nodes.sort(key=_by_creation, reverse=True)
    return nodes, leaves


def gradients(roots: Sequence[Value], seeds: Sequence[Value]) -> tuple[dict[Value, Value], set]:
    """∂(Σ seed·root)/∂node for every node the roots reach, as Values built from ops.

    Returns:
        The gradients by node (a node reached only through zero local derivatives has
        none), and the set of every node reached.
    """
    nodes, leaves = _order(roots)
    grads: dict[Value, Value] = {}
    for root, seed in zip(roots, seeds):
        grads[root] = grads[root] + seed if root in grads else seed
    cache: dict[Any, list[Value]] = {}
    check = MODE.anomaly
    for node in nodes:
        g = grads.get(node)
        if g is None:
            continue
        for child, local in zip(node.children, local_derivatives(node, cache)):
            if not child.requires_grad:
                continue
            amount = _times(local, g)
            if amount is None:
                continue
            if check and not math.isfinite(amount.data) and math.isfinite(g.data):
                name = node.label or f"the output of {node.op}"
                raise FloatingPointError(
                    f"backward: the local gradient of {node.op} at {name} gave a "
                    f"non-finite contribution ({float(local)!r} · {g.data!r})"  # type: ignore[arg-type]
                )
            previous = grads.get(child)
            grads[child] = amount if previous is None else previous + amount
    return grads, {*nodes, *leaves}


def backward(root: Value, grad: Any = 1.0) -> None:
    """`Value.backward(grad, create_graph=True)`: every gradient of the pass becomes a Value.

    Leaves accumulate (``previous + this pass``), the nodes between get this pass's gradient,
    as with the float pass.
    """
    if not root.requires_grad:
        raise ValueError(
            "backward() needs a Value that requires grad; this one does not "
            "(it is a constant, or was computed under no_grad())"
        )
    seed = grad if isinstance(grad, Value) else _constant(float(grad))
    start = next_serial()
    grads, reached = gradients([root], [seed])
    root_label = _name(root, "L")
    for node in reached:
        total = grads.get(node)
        if total is None:
            total = _constant(0.0)
        elif node.label is not None:
            total = _labelled(total, root_label, node.label, start)
        if node.children:
            node.grad = total  # type: ignore[assignment]
        else:
            previous = node.grad
            if isinstance(previous, Value):
                node.grad = previous + total  # type: ignore[assignment]
            elif previous != 0:
                node.grad = total + previous  # type: ignore[assignment]
            else:
                node.grad = total  # type: ignore[assignment]


def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    grad_outputs: Any = None,
    *,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Value | None, ...]:
    """The gradients of `outputs` with respect to `inputs`, as ``torch.autograd.grad``.

    Several outputs are summed, each scaled by its entry of `grad_outputs` (1 when None).
    No `.grad` is changed. With ``create_graph=True`` each gradient is a Value with its own
    graph, so it can be differentiated again; without, it is a constant Value.

    Args:
        outputs: a Value or a sequence of Values.
        inputs: a Value or a sequence of Values that require grad.
        grad_outputs: the seed ∂L/∂output for each output (numbers or Values), or None.
        create_graph: record the gradients' computation as a graph.
        allow_unused: give None for an input the outputs do not depend on, instead of
            raising.

    Returns:
        One gradient per input, in order.

    Raises:
        ValueError: when an output or input does not require grad, when an input is not
            used and `allow_unused` is False, or when the lengths do not match.
        TypeError: when an output, input or seed is neither a Value nor a number.

    >>> from chainrule import Value
    >>> x = Value(0.5, label="x")
    >>> (dy,) = grad(x.tanh(), [x], create_graph=True)
    >>> (d2y,) = grad(dy, [x])
    >>> round(dy.data, 6), round(d2y.data, 6)
    (0.786448, -0.726862)
    """
    outputs = _values(outputs, "outputs")
    inputs = _values(inputs, "inputs")
    seeds = _seeds(outputs, grad_outputs)
    for i, output in enumerate(outputs):
        if not output.requires_grad:
            raise ValueError(
                f"grad(): output {i} does not require grad (it is a constant, or was computed "
                "under no_grad()); there is nothing to differentiate"
            )
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            raise ValueError(f"grad(): input {i} ({_name(x, 'unnamed')}) does not require grad")
    start = next_serial()
    if create_graph and MODE.grad_enabled:
        grads, reached = gradients(outputs, seeds)
    else:
        with no_grad():
            grads, reached = gradients(outputs, seeds)
    result: list[Value | None] = []
    for i, x in enumerate(inputs):
        if x not in reached:
            if not allow_unused:
                raise ValueError(
                    f"grad(): input {i} ({_name(x, 'unnamed')}) is not used in the graph of "
                    "the outputs; pass allow_unused=True to get None for it"
                )
            result.append(None)
            continue
        total = grads.get(x)
        if total is None:
            total = _constant(0.0)
        elif len(outputs) == 1 and x.label is not None:
            total = _labelled(total, _name(outputs[0], "L"), x.label, start)
        result.append(total)
    return tuple(result)


def derivative(output: Value, wrt: Value, order: int = 1) -> Value:
    """The `order`-th derivative of `output` with respect to `wrt`, as a Value with a graph.

    A derivative that no longer depends on `wrt` is a constant, and the next one is 0.

    Raises:
        ValueError: for an order below 1, or when `wrt` does not require grad.

    >>> from chainrule import Value
    >>> x = Value(2.0, label="x")
    >>> [derivative(x ** 3, x, n).data for n in (1, 2, 3, 4)]
    [12.0, 12.0, 6.0, 0.0]
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"order must be a positive integer, got {order!r}")
    result = output
    for _ in range(order):
        if not result.requires_grad:
            result = _constant(0.0)
            continue
        (found,) = grad(result, [wrt], create_graph=True, allow_unused=True)
        result = _constant(0.0) if found is None else found
    return result


# ---------------------------------------------------------------------------------- names
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_FROM_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_DERIVATIVE = re.compile(r"^∂([⁰¹²³⁴⁵⁶⁷⁸⁹]*)(.+?)/((?:∂[^∂]+)+)$")


def derivative_name(output: str, wrt: str) -> str:
    """The name of ∂output/∂wrt, folding repeated derivatives: ∂L/∂θ1 by θ1 is ∂²L/∂θ1².

    >>> derivative_name("L", "θ1"), derivative_name("∂L/∂θ1", "θ1"), derivative_name("∂L/∂x", "y")
    ('∂L/∂θ1', '∂²L/∂θ1²', '∂²L/∂y∂x')
    """
    match = _DERIVATIVE.match(output)
    if match is None:
        return f"∂{output}/∂{wrt}"
    order = int(match.group(1).translate(_FROM_SUPERSCRIPTS) or 1)
    numerator = match.group(2)
    factors = [_power(f) for f in match.group(3).split("∂")[1:]]
    if factors[0][0] == wrt:
        factors[0] = (wrt, factors[0][1] + 1)
    else:
        factors.insert(0, (wrt, 1))
    denominator = "".join(
        f"∂{name}{str(power).translate(_SUPERSCRIPTS) if power > 1 else ''}"
        for name, power in factors
    )
    return f"∂{str(order + 1).translate(_SUPERSCRIPTS)}{numerator}/{denominator}"


def _power(factor: str) -> tuple[str, int]:
    digits = len(factor) - len(factor.rstrip("⁰¹²³⁴⁵⁶⁷⁸⁹"))
    if digits and digits < len(factor):
        return factor[:-digits], int(factor[-digits:].translate(_FROM_SUPERSCRIPTS))
    return factor, 1


def _labelled(total: Value, output: str, wrt: str, start: int) -> Value:
    """Name a gradient by what it is, when this pass made its node (``start``: the creation
    serial at the pass's start) and the node has no name yet."""
    if total.label is None and total.children and total._serial > start:
        total.label = derivative_name(output, wrt)
    return total


def _name(node: Value, default: str) -> str:
    return node.label if node.label is not None else default


def _values(items: Any, what: str) -> list[Value]:
    if isinstance(items, Value):
        return [items]
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise TypeError(f"grad(): {what} must be a Value or a sequence of Values")
    values = list(items)
    for i, item in enumerate(values):
        if not isinstance(item, Value):
            raise TypeError(f"grad(): {what}[{i}] is {type(item).__name__}, not a Value")
    if not values:
        raise ValueError(f"grad(): {what} is empty")
    return values


def _seeds(outputs: list[Value], grad_outputs: Any) -> list[Value]:
    if grad_outputs is None:
        return [_constant(1.0) for _ in outputs]
    items = [grad_outputs] if not isinstance(grad_outputs, (list, tuple)) else list(grad_outputs)
    if len(items) != len(outputs):
        raise ValueError(f"grad(): {len(outputs)} outputs but {len(items)} grad_outputs")
    seeds = []
    for i, item in enumerate(items):
        if item is None:
            item = 1.0
        if isinstance(item, Value):
            seeds.append(item)
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            seeds.append(_constant(float(item)))
        else:
            raise TypeError(f"grad(): grad_outputs[{i}] is {type(item).__name__}, not a number")
    return seeds
