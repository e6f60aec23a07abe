"""`Node` and `ScalarNode`: what a reader of a graph (viz) may use of its nodes, as protocols.

A graph's node is a `Value` or a `Tensor`; both have these public attributes and nothing
outside the engine needs more (never the private slots). `ScalarNode` is a `Value`'s view:
one number per node, and each edge's local derivative as data (`local_grads`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, cast

import numpy as np


class Node(Protocol):
    """A node of a computational graph, as drawings and explanations read it.

    Attributes:
        data: the forward value (a float for a Value, an array for a Tensor).
        grad: ∂root/∂node after backward (a Tensor's is None before).
        label: its name, or None.
        op: the operation that made it ('' for a leaf).
        children: its operands, in order.
        requires_grad: whether backward computes its gradient.
    """

    @property
    def data(self) -> float | np.ndarray: ...

    @property
    def grad(self) -> float | np.ndarray | None: ...

    @property
    def label(self) -> str | None: ...

    @property
    def op(self) -> str: ...

    @property
    def children(self) -> Sequence[Node]: ...

    @property
    def requires_grad(self) -> bool: ...


class ScalarNode(Node, Protocol):
    """A node of a scalar graph (a `Value`): numbers, and the local derivative of each edge.

    Attributes:
        local_grads: ∂node/∂children[i], computed in the forward pass.
    """

    @property
    def data(self) -> float: ...

    grad: float  # settable: a replay of the backward pass restores the gradients it changed

    @property
    def children(self) -> Sequence[ScalarNode]: ...

    @property
    def local_grads(self) -> Sequence[float]: ...


def as_scalar(node: Node) -> ScalarNode:
    """`node` as a node of a scalar graph, whose edges carry numbers.

    Raises:
        TypeError: for a `Tensor` node (its edges carry Jacobians, not numbers).
    """
    if not hasattr(node, "local_grads"):
        raise TypeError(f"expected a node of a scalar graph (a Value), got a {type(node).__name__}")
    return cast(ScalarNode, node)
