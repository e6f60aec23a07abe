"""Graph walks: topological order, the backward pass (whole or step by step), chain-rule paths.

Every walk is iterative (explicit stacks), so chains deeper than Python's recursion limit
work. `topological_order` and `paths` take any node with `children` and the engine's creation
serial (`Value` and `Tensor` alike); the backward pass is `Value`'s (a Tensor has its own, in
tensor_backward.py) and reads its edge slots directly, as it is the hot loop. Because a node
is always created after its operands, creation order is a topological order; sorting by it
is cheaper than a depth-first post-order walk and gives the same order on every run.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Iterator
from operator import attrgetter
from typing import Any, NamedTuple

from chainrule.engine.mode import MODE

#: Every graph node (Value or Tensor) takes its `_serial` from this one counter at creation.
next_serial = itertools.count().__next__

#: Held for each whole backward pass (Value and Tensor, and `backward_steps` while it runs):
#: passes that share nodes write the same gradients, so concurrent ones take turns and give
#: the sums of sequential ones. Re-entrant: a pass may start another in the same thread.
backward_lock = threading.RLock()

#: In a Value's second edge slot: the op has more than two operands, held as tuples.
MANY = object()
_by_creation = attrgetter("_serial")

DEFAULT_PATH_BUDGET = 10_000


def topological_order(root: Any) -> list[Any]:
    """Every node reachable from `root`, operands before the nodes that use them.

    Leaves and constants are included; the order is creation order, so the same program
    gives the same list on every run.

    >>> from chainrule import Value
    >>> a = Value(1.0, label="a"); b = a * 2; c = b + a
    >>> [n.label or n.op for n in topological_order(c)]
    ['a', '', '*', '+']
    """
    seen = {root}
    stack = [root]
    while stack:
        for child in stack.pop().children:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return sorted(seen, key=_by_creation)


def _backward_order(root: Any) -> tuple[list[Any], list[tuple[Any, Any]]]:
    """The non-leaf nodes that need a gradient, root first; zeroes their gradients.

    Leaves are returned apart, each with its gradient before this pass, and zeroed: a pass
    sums into a leaf from zero and `_accumulate` adds the total at the end, so a second pass
    adds exactly what the first did (``g + (c1 + c2)``, not ``(g + c1) + c2``), as PyTorch.
    Each pass marks the nodes it has seen with a fresh token (cheaper than a set of nodes).
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
        # The three cases of `Value.children`, spelled out: a property call per node would
        # cost a sixth of this hot loop.
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
                child.grad = 0.0
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
    order, leaves = _backward_order(root)
    root.grad = grad
    return order, leaves


def backward(root: Any, grad: float = 1.0) -> None:
    """Backpropagate from `root` (see `Value.backward`)."""
    with backward_lock:
        order, leaves = _seed(root, float(grad))
        try:
            _run(order)
        finally:
            _accumulate(leaves)


def _run(order: list[Any]) -> None:
    if MODE.anomaly:
        for _ in backward_steps_from(order):
            pass
        return
    for node in order:
        g = node.grad
        a = node._a
        b = node._b
        if b is None:  # one operand
            if a.requires_grad:
                a.grad += node._la * g
        elif b is not MANY:  # two operands
            if a.requires_grad:
                a.grad += node._la * g
            if b.requires_grad:
                b.grad += node._lb * g
        else:
            for child, local in zip(a, node._la):
                if child.requires_grad:
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
            yield from backward_steps_from(order)
        finally:
            _accumulate(leaves)


def backward_steps_from(order: list[Any]) -> Iterator[BackwardStep]:
    check = MODE.anomaly
    for node in order:
        g = node.grad
        contributions = []
        for child, local in zip(node.children, node.local_grads):
            if child.requires_grad:
                amount = local * g
                if check and not _all_finite(amount) and _all_finite(g):
                    name = node.label or f"the output of {node.op}"
                    raise FloatingPointError(
                        f"backward: the local gradient of {node.op} at {name} gave a "
                        f"non-finite contribution ({local!r} · {g!r})"
                    )
                child.grad += amount
                contributions.append(Contribution(child, local, amount))
        yield BackwardStep(node, g, tuple(contributions))


def _all_finite(x: Any) -> bool:
    try:
        return math.isfinite(x)
    except TypeError:  # an array (Tensor path)
        import numpy

        return bool(numpy.isfinite(x).all())


class Path(NamedTuple):
    """One chain-rule path from the root down to a leaf.

    Attributes:
        nodes: root first, leaf last.
        local_grads: ``local_grads[i]`` is ∂nodes[i]/∂nodes[i+1].
        product: the product of the local derivatives along the path.
    """

    nodes: tuple[Any, ...]
    local_grads: tuple[float, ...]
    product: float


def paths(root: Any, leaf: Any, *, budget: int = DEFAULT_PATH_BUDGET) -> list[Path]:
    """Every path from `root` to `leaf`; the sum of their products is ∂root/∂leaf.

    Raises:
        ValueError: when there are more than `budget` paths (their number can grow
            exponentially with depth), or `leaf` is not in the graph of `root`.

    >>> from chainrule import Value
    >>> a = Value(3.0, label="a"); b = a * a
    >>> [p.product for p in paths(b, a)]
    [3.0, 3.0]
    """
    order = topological_order(root)
    reaches = {leaf}
    for node in order:  # operands come first, so one pass decides who can reach the leaf
        if any(child in reaches for child in node.children):
            reaches.add(node)
    if root not in reaches:
        raise ValueError("the leaf is not part of this graph: no path leads from the root to it")
    found: list[Path] = []
    # Depth-first with an explicit stack of edge iterators: the current path is extended and
    # shortened in place, so a long chain costs time linear in its length.
    nodes: list[Any] = [root]
    local_grads: list[float] = []
    pending = [_edges_towards(root, reaches)]
    if root is leaf:
        return [Path((root,), (), 1.0)]
    while pending:
        step = next(pending[-1], None)
        if step is None:
            pending.pop()
            nodes.pop()
            if local_grads:
                local_grads.pop()
            continue
        child, local = step
        if child is leaf:
            if len(found) >= budget:
                raise ValueError(
                    f"more than {budget} chain-rule paths lead to this leaf; "
                    "pass a larger budget= or draw a smaller graph"
                )
            found.append(
                Path((*nodes, child), (*local_grads, local), math.prod(local_grads) * local)
            )
            continue
        nodes.append(child)
        local_grads.append(local)
        pending.append(_edges_towards(child, reaches))
    return found


def _edges_towards(node: Any, reaches: set[Any]) -> Iterator[tuple[Any, float]]:
    return ((c, g) for c, g in zip(node.children, node.local_grads) if c in reaches)
