"""Gradients as Values: `backward(create_graph=True)` and `grad`, differentiable again.

The pass visits the nodes in the order of the float backward pass and adds the same
contributions, ``local · upstream``, but with each local derivative (each vector-Jacobian
product, for Tensors) built from ops by the op's record (`Op.local_ops`, `Op.vjp_ops`) and
every product and sum recorded as a graph. A gradient found this way is a `Value` (`Tensor`)
whose graph leads back to the inputs: differentiating it again gives second derivatives,
and again, any order. Its numbers equal the float pass's.

Multiplying by a constant ±1 is skipped and a constant 0 sends nothing, so the backward graph
stays as small as the chain rule written by hand, and a zero local derivative (relu at
a ≤ 0, ``a**0``) stops a nan or inf coming from above, as in PyTorch. Values and Tensors are
told apart by their data (a float or an array), so this module imports neither.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from operator import attrgetter
from typing import Any

import numpy as np

from chainrule.engine.backward import anomaly, backward_lock
from chainrule.engine.graph import next_serial
from chainrule.engine.mode import MODE, graph_done, no_grad
from chainrule.engine.ops import OPS

_by_creation = attrgetter("_serial")


def _is_array(node: Any) -> bool:
    return isinstance(node.data, np.ndarray)


def _constant_like(node: Any, data: Any) -> Any:
    """A constant leaf of the node's kind (Value or Tensor) holding `data`."""
    if _is_array(node):
        return type(node)(data, requires_grad=False, dtype=node.data.dtype)
    return type(node)(data, requires_grad=False)


def _zeros(node: Any) -> Any:
    """A constant 0 of the node's kind and shape."""
    return _constant_like(node, np.zeros_like(node.data) if _is_array(node) else 0.0)


def _is_number(g: Any, value: float) -> bool:
    """Whether `g` is a constant leaf holding exactly `value` (a Value)."""
    return not g.requires_grad and not g.children and g.data == value


def _times(local: Any, g: Any) -> Any:
    """The contribution ``local · g`` of one edge of a Value, None when nothing flows.

    A constant local derivative of 0 sends nothing; so does a local derivative whose value is
    0 against an inf or nan from above (0 · inf would be nan). Multiplying by a constant ±1 is
    exact, so it is left out of the graph (or is a negation).
    """
    if local is None:
        return None
    if isinstance(local, float):
        if local == 1.0:
            return g
        if local == -1.0:
            return -g
        return local * g
    if local.data == 0 and not math.isfinite(g.data):
        return None
    if _is_number(g, 1.0):
        return local
    if _is_number(g, -1.0):
        return -local
    return local * g


def _contributions(node: Any, g: Any) -> Any:
    """∂L/∂operand for each operand of `node`, built from ops (None: nothing sent)."""
    record = OPS.get(node.op)
    if _is_array(node):
        rule = record.vjp_ops if record is not None else None
        if rule is None:
            raise NotImplementedError(f"create_graph: the op {node.op!r} has no vjp_ops")
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return rule(node, g)
    local_ops = record.local_ops if record is not None else None
    if local_ops is None:
        raise NotImplementedError(f"create_graph: the op {node.op!r} has no local_ops")
    return [_times(local, g) for local in local_ops(node)]


def _order(roots: Sequence[Any]) -> tuple[list[Any], set[Any]]:
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


def _all_finite(x: Any) -> bool:
    data = x.data
    if isinstance(data, float):
        return math.isfinite(data)
    return bool(np.isfinite(data).all())


def gradients(roots: Sequence[Any], seeds: Sequence[Any]) -> tuple[dict[Any, Any], set[Any]]:
    """∂(Σ seed·root)/∂node for every node the roots reach, as Values (Tensors) built from ops.

    Returns:
        The gradients by node (a node reached only through zero local derivatives has
        none), and the set of every node reached.
    """
    nodes, leaves = _order(roots)
    grads: dict[Any, Any] = {}
    for root, seed in zip(roots, seeds):
        grads[root] = grads[root] + seed if root in grads else seed
    check = MODE.anomaly
    for node in nodes:
        g = grads.get(node)
        if g is None:
            continue
        for child, amount in zip(node.children, _contributions(node, g)):
            if amount is None or not child.requires_grad:
                continue
            if check and not _all_finite(amount) and _all_finite(g):
                raise anomaly(node, "from a finite one")
            previous = grads.get(child)
            grads[child] = _folded(amount if previous is None else previous + amount)
    return grads, {*nodes, *leaves}


def _float_gradients(roots: Sequence[Any], seeds: Sequence[Any]) -> tuple[dict, set]:
    """`gradients` for Values without a graph: the stored local derivatives times floats,
    the same products and sums in the same order, so the same numbers (as floats)."""
    nodes, leaves = _order(roots)
    grads: dict[Any, float] = {}
    for root, seed in zip(roots, seeds):
        grads[root] = grads[root] + seed.data if root in grads else seed.data
    check = MODE.anomaly
    for node in nodes:
        g = grads.get(node)
        if g is None:
            continue
        for child, local in zip(node.children, node.local_grads):
            if not child.requires_grad or (local == 0 and not math.isfinite(g)):
                continue  # a zero local derivative stops a nan or inf from above
            amount = local * g
            if check and not math.isfinite(amount) and math.isfinite(g):
                raise anomaly(node, f"({local!r} · {g!r})")
            previous = grads.get(child)
            grads[child] = amount if previous is None else previous + amount
    return grads, {*nodes, *leaves}


def _folded(x: Any) -> Any:
    """A gradient computed from constants alone, as one constant leaf: its graph would only
    show arithmetic on numbers (``−1`` as ``neg(1)``), never anything to differentiate."""
    if x.requires_grad or not x.children:
        return x
    return _constant_like(x, x.data)


def backward(root: Any, grad: Any = 1.0) -> None:
    """`backward(grad, create_graph=True)` of a Value or Tensor: every gradient of the pass
    becomes a Value (Tensor) with its own graph.

    `grad` is the seed: a number or a Value for a Value; an array (already checked against
    the tensor's shape) or a Tensor for a Tensor. Leaves accumulate (``previous + this
    pass``), the nodes between get this pass's gradient, as with the float pass.

    Raises:
        ValueError: if `root` does not require grad.
    """
    if not root.requires_grad:
        raise ValueError(
            f"backward() needs a {type(root).__name__} that requires grad; this one does not "
            "(it is a constant, or was computed under no_grad())"
        )
    seed = grad if hasattr(grad, "requires_grad") else _constant_like(root, grad)
    try:
        _backward_with_graph(root, seed)
    finally:
        graph_done()  # the collector is as the user had it (see mode.recording)


def _backward_with_graph(root: Any, seed: Any) -> None:
    with backward_lock:
        start = next_serial()
        grads, reached = gradients([root], [seed])
        root_label = _name(root, "L")
        for node in reached:
            total = grads.get(node)
            if total is None:
                total = None if _is_array(node) else _zeros(node)
            elif node.label is not None:
                total = _labelled(total, root_label, node.label, start)
            if node.children:
                node.grad = total
                continue
            previous = node.grad
            if total is None:
                continue
            if previous is None or (isinstance(previous, float) and previous == 0):
                node.grad = total
            else:
                node.grad = previous + total


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    *,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Any, ...]:
    """The gradients of `outputs` with respect to `inputs`, as ``torch.autograd.grad``.

    Several outputs are summed, each scaled by its entry of `grad_outputs` (1 when None).
    No `.grad` is changed. With ``create_graph=True`` each gradient is a Value with its own
    graph, so it can be differentiated again; without, it is a constant.

    Args:
        outputs: a Value or a sequence of Values (or Tensors).
        inputs: a Value or a sequence of Values (or Tensors) that require grad.
        grad_outputs: the seed ∂L/∂output for each output (numbers or Values), or None.
        create_graph: record the gradients' computation as a graph.
        allow_unused: give None for an input the outputs do not depend on, instead of
            raising.

    Returns:
        One gradient per input, in order.

    Raises:
        ValueError: when an output or input does not require grad, when an input is not
            used and `allow_unused` is False, or when the lengths do not match.
        TypeError: when an output, input or seed is of the wrong kind.

    >>> from chainrule import Value
    >>> x = Value(0.5, label="x")
    >>> (dy,) = grad(x.tanh(), [x], create_graph=True)
    >>> (d2y,) = grad(dy, [x])
    >>> round(dy.data, 6), round(d2y.data, 6)
    (0.786448, -0.726862)
    """
    outputs = _nodes(outputs, "outputs")
    inputs = _nodes(inputs, "inputs")
    if _is_array(outputs[0]) != _is_array(inputs[0]):
        raise TypeError("grad(): outputs and inputs must be both Values or both Tensors")
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
    try:
        if create_graph and MODE.grad_enabled:
            grads, reached = gradients(outputs, seeds)
        elif not _is_array(outputs[0]):
            numbers, reached = _float_gradients(outputs, seeds)
            grads = {x: _constant_like(x, numbers[x]) for x in inputs if x in numbers}
        else:
            with no_grad():
                grads, reached = gradients(outputs, seeds)
    finally:
        graph_done()  # a backward pass ended: the collector is as the user had it
    result: list[Any] = []
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
            total = _zeros(x)
        elif not create_graph and total.children:
            total = total.detach()  # it may be a node of the outputs' own graph (e^x)
        elif len(outputs) == 1 and x.label is not None:
            total = _labelled(total, _name(outputs[0], "L"), x.label, start)
        result.append(total)
    return tuple(result)


def derivative(output: Any, wrt: Any, order: int = 1) -> Any:
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
            result = _zeros(wrt)
            continue
        (found,) = grad(result, [wrt], create_graph=True, allow_unused=True)
        result = _zeros(wrt) if found is None else found
    return result


# ---------------------------------------------------------------------------------- names
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_FROM_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_DERIVATIVE = re.compile(r"^∂([⁰¹²³⁴⁵⁶⁷⁸⁹]*)(.+?)/((?:∂[^∂]+)+)$")


def derivative_name(output: str, wrt: str) -> str:
    """The name of ∂output/∂wrt, folding repeated derivatives: ∂L/∂θ1 by θ1 is ∂²L/∂θ1².

    >>> derivative_name("L", "θ1"), derivative_name("∂L/∂θ1", "θ1"), derivative_name("∂L/∂x", "y")
    ('∂L/∂θ1', '∂²L/∂θ1²', '∂²L/∂y∂x')
    >>> derivative_name("∂L/∂x", "∂L/∂x")
    '∂(∂L/∂x)/∂(∂L/∂x)'
    """
    match = _DERIVATIVE.match(output)
    if _DERIVATIVE.match(wrt):
        return f"∂({output})/∂({wrt})"
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


def _labelled(total: Any, output: str, wrt: str, start: int) -> Any:
    """Name a gradient by what it is, when this pass made its node (``start``: the creation
    serial at the pass's start) and the node has no name yet."""
    if total.label is None and total.children and total._serial > start:
        total.label = derivative_name(output, wrt)
    return total


def _name(node: Any, default: str) -> str:
    return node.label if node.label is not None else default


def _nodes(items: Any, what: str) -> list[Any]:
    """Values, or Tensors, never the two mixed."""
    if _is_node(items):
        return [items]
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise TypeError(f"grad(): {what} must be a Value or Tensor, or a sequence of them")
    nodes = list(items)
    if not nodes:
        raise ValueError(f"grad(): {what} is empty")
    for i, item in enumerate(nodes):
        if not _is_node(item):
            raise TypeError(f"grad(): {what}[{i}] is {type(item).__name__}, not a Value or Tensor")
        if type(item) is not type(nodes[0]):
            raise TypeError(f"grad(): {what} mixes Values and Tensors")
    return nodes


def _is_node(x: Any) -> bool:
    return hasattr(x, "requires_grad") and hasattr(x, "children") and hasattr(x, "backward")


def _seeds(outputs: list[Any], grad_outputs: Any) -> list[Any]:
    """One seed per output: 1 (ones) when None, else each number, array, Value or Tensor."""
    if grad_outputs is None:
        items: list[Any] = [None] * len(outputs)
    elif isinstance(grad_outputs, (list, tuple)):
        items = list(grad_outputs)
    else:
        items = [grad_outputs]
    if len(items) != len(outputs):
        raise ValueError(f"grad(): {len(outputs)} outputs but {len(items)} grad_outputs")
    return [_seed_for(output, item, i) for i, (output, item) in enumerate(zip(outputs, items))]


def _seed_for(output: Any, item: Any, index: int) -> Any:
    if isinstance(item, (bool, str, bytes)):
        raise TypeError(f"grad(): grad_outputs[{index}] is {type(item).__name__}, not a number")
    if _is_node(item):
        if _is_array(item) != _is_array(output) or (
            _is_array(item) and item.data.shape != output.data.shape
        ):
            raise ValueError(f"grad(): grad_outputs[{index}] does not match output {index}")
        return item
    if not _is_array(output):
        if item is None or isinstance(item, (int, float)):
            return _constant_like(output, 1.0 if item is None else float(item))
        raise TypeError(f"grad(): grad_outputs[{index}] is {type(item).__name__}, not a number")
    if item is None:
        if output.data.size != 1:
            raise ValueError(
                f"grad(): grad can be implicitly created only for one-element tensors; output "
                f"{index} has shape {output.data.shape}: pass grad_outputs"
            )
        return _constant_like(output, np.ones_like(output.data))
    seed = np.asarray(item, dtype=output.data.dtype)
    if seed.shape != output.data.shape:
        raise ValueError(
            f"grad(): grad_outputs[{index}] has shape {seed.shape}, "
            f"output {index} has shape {output.data.shape}"
        )
    return _constant_like(output, seed)
