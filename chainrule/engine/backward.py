"""The backward pass of `Value` (whole or step by step) and the one backward ordering.

`backward_order` decides, for every backward loop (Value's `backward`, `backward_steps`, and
Tensor's backward), which nodes get a gradient and in which order: the non-leaf nodes that
need one, in reverse creation order. Because a node is always created after its operands,
creation order is a topological order; sorting by it is cheaper than a depth-first
post-order walk and gives the same order on every run. Leaves are set apart: a pass sums
into a leaf from zero and the total is added to its previous gradient at the end, so a
second pass adds exactly what the first did (``g + (c1 + c2)``, not ``(g + c1) + c2``), as
PyTorch.

The walk is the hot loop of backward, so it reads the nodes' edge slots directly rather
than the `children` property (a call per node would cost a sixth of it). The layout, shared
with `chainrule.engine.value`: ``_a`` is the first operand (None for a leaf), ``_b`` the
second (None for a unary op), or `MANY`, and then ``_a`` is the tuple of all operands; ``_la``
and ``_lb`` are the local derivatives. A Tensor presents its `children` as ``_a`` with
``_b`` = `MANY`. Every walk is iterative, so graphs of any depth work.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from operator import attrgetter
from typing import Any, NamedTuple

from chainrule.engine.mode import MODE, graph_done

#: In a node's second edge slot: the op has any number of operands, held as a tuple in `_a`.
MANY = object()
_by_creation = attrgetter("_serial")

#: Held for each whole backward pass (Value and Tensor, and `backward_steps` while it runs):
#: passes that share nodes write the same gradients, so concurrent ones take turns and give
#: the sums of sequential ones. Re-entrant: a pass may start another in the same thread.
backward_lock = threading.RLock()


def backward_order(root: Any, zero: Any) -> tuple[list[Any], list[tuple[Any, Any]]]:
    """The non-leaf nodes that need a gradient, root first, and the leaves that need one.

    Sets the gradient of every node found to `zero` (0.0 for Values, None for Tensors); the
    leaves come each with its gradient from before this pass. Each pass marks the nodes it
    has seen with a fresh token (cheaper than a set of nodes).
    """
    token = object()
    root._mark = token
    found = [root]
    leaves: list[tuple[Any, Any]] = []
    stack = [root]
    push = stack.append
    pop = stack.pop
    while stack:
        node = pop()
        b = node._b
        if b is None:
            operands: Any = (node._a,)
        elif b is MANY:
            operands = node._a
        else:
            operands = (node._a, b)
        for child in operands:
            if child._mark is not token and child.requires_grad:
                child._mark = token
                if child._a is None:
                    leaves.append((child, child.grad))
                else:
                    push(child)
                    found.append(child)
                child.grad = zero
    found.sort(key=_by_creation, reverse=True)
    return found, leaves


def _accumulate(leaves: list[tuple[Any, Any]]) -> None:
    for leaf, previous in leaves:
        leaf.grad = previous + leaf.grad


def _seed(root: Any, grad: float) -> tuple[list[Any], list[tuple[Any, Any]]]:
    if not root.requires_grad:
        raise ValueError(
            "backward() needs a Value that requires grad; this one does not "
            "(it is a constant, or was computed under no_grad())"
        )
    if root._a is None:  # a leaf accumulates, as in PyTorch
        root.grad += grad
        return [], []
    order, leaves = backward_order(root, 0.0)
    root.grad = grad
    return order, leaves


def backward(root: Any, grad: float = 1.0) -> None:
    """Backpropagate from the Value `root` (see `Value.backward`)."""
    try:
        with backward_lock:
            order, leaves = _seed(root, float(grad))
            try:
                if MODE.anomaly:
                    for _ in _steps(order):
                        pass
                else:
                    _run(order)
            finally:
                _accumulate(leaves)
    finally:
        graph_done()  # the collector is as the user had it (see mode.recording)


def _run(order: list[Any]) -> None:
    """``child.grad += local · node.grad`` over the order: the same operations as `_steps`."""
    # A zero local derivative sends nothing, not 0 · g: relu at x ≤ 0 or x**0 stops a nan or
    # inf from above (0 · inf would be nan), as PyTorch's relu and pow do.
    for node in order:
        g = node.grad
        a = node._a
        b = node._b
        if b is None:  # one operand
            local = node._la
            if local and a.requires_grad:
                a.grad += local * g
        elif b is not MANY:  # two operands
            local = node._la
            if local and a.requires_grad:
                a.grad += local * g
            local = node._lb
            if local and b.requires_grad:
                b.grad += local * g
        else:
            for child, local in zip(a, node._la):
                if child.requires_grad and local:
                    child.grad += local * g


class Contribution(NamedTuple):
    """One edge of a backward step: ``child.grad += local_grad · node grad``."""

    child: Any
    local_grad: float
    amount: float


class BackwardStep(NamedTuple):
    """One node's share of the backward pass: its gradient, sent down each of its edges."""

    node: Any
    grad: float
    contributions: tuple[Contribution, ...]


def backward_steps(root: Any, grad: float = 1.0) -> Iterator[BackwardStep]:
    """Run backward one node at a time, yielding after each node's contributions are applied.

    Exhausting the generator leaves exactly the gradients `backward()` would (the same
    operations in the same order).

    >>> from chainrule import Value
    >>> x = Value(3.0, label="x"); y = (x * x).tanh()
    >>> [step.node.op for step in backward_steps(y)]
    ['tanh', '*']
    """
    with backward_lock:  # until exhausted or closed: other threads' passes wait
        order, leaves = _seed(root, float(grad))
        try:
            yield from _steps(order)
        finally:
            _accumulate(leaves)
            graph_done()


def _steps(order: list[Any]) -> Iterator[BackwardStep]:
    check = MODE.anomaly
    for node in order:
        g = node.grad
        contributions = []
        for child, local in zip(node.children, node.local_grads):
            if child.requires_grad:
                if not local:  # nothing flows along this edge (see `_run`)
                    contributions.append(Contribution(child, local, 0.0))
                    continue
                amount = local * g
                if check and not math.isfinite(amount) and math.isfinite(g):
                    raise anomaly(node, f"({local!r} · {g!r})")
                child.grad += amount
                contributions.append(Contribution(child, local, amount))
        yield BackwardStep(node, g, tuple(contributions))


def anomaly(node: Any, contribution: str) -> FloatingPointError:
    """The error `detect_anomaly` raises when an edge sends a non-finite gradient down from a
    finite one, naming the node and its op (every backward pass, first and higher order)."""
    name = node.label or f"the output of {node.op}"
    return FloatingPointError(
        f"backward: the local gradient of {node.op} at {name} gave a "
        f"non-finite contribution {contribution}"
    )
