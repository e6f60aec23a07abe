"""Generic graph walks: topological order and the chain-rule paths between two nodes.

Both take any node with `children` and the engine's creation serial (`Value` and `Tensor`
alike), and are iterative (explicit stacks), so chains deeper than Python's recursion limit
work. Because a node is always created after its operands, creation order is a topological
order; sorting by it is cheaper than a depth-first post-order walk and gives the same order
on every run. The backward pass, step by step too, is in `chainrule.engine.backward`;
`backward_steps` is also importable from here, where the contract names it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from operator import attrgetter
from typing import Any, NamedTuple

from chainrule.engine.backward import BackwardStep, Contribution, backward_steps
from chainrule.engine.mode import count_nodes_with

__all__ = [
    "topological_order",
    "paths",
    "Path",
    "backward_steps",
    "BackwardStep",
    "Contribution",
    "next_serial",
    "DEFAULT_PATH_BUDGET",
]

#: Every graph node (Value or Tensor) takes its `_serial` from this one counter at creation.
next_serial = itertools.count().__next__
count_nodes_with(next_serial)  # the collector pause watches graphs grow by it

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
