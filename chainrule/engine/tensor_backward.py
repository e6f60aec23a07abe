"""The Tensor backward pass: reverse creation order, one vector-Jacobian product per node.

Leaves accumulate across passes, as in PyTorch; the tensors between the root and the leaves
get this pass's gradient. A gradient array, once stored in a `.grad`, is never written to
again (sums make new arrays), and no two leaves share one, so a saved `.grad` stays as it was.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

import numpy as np

from chainrule.engine.graph import backward_lock
from chainrule.engine.mode import MODE
from chainrule.engine.tensor_gradients import GRADIENTS

_ndarray = np.ndarray
_asarray = np.asarray
_by_creation = attrgetter("_serial")


def _backward_order(root: Any) -> list[Any]:
    """The non-leaf tensors that need a gradient, root first; clears their gradients."""
    seen = {root}
    stack = [root]
    add = seen.add
    push = stack.append
    pop = stack.pop
    while stack:
        for child in pop().children:
            if child.children and child.requires_grad and child not in seen:
                add(child)
                push(child)
    for node in seen:
        node.grad = None
    return sorted(seen, key=_by_creation, reverse=True)


def _seed(root: Any, grad: Any) -> np.ndarray:
    if not root.requires_grad:
        raise ValueError(
            "backward() needs a Tensor that requires grad; this one does not "
            "(it is a constant, or was computed under no_grad())"
        )
    dtype = root.data.dtype
    if grad is None:
        if root.data.size != 1:
            raise ValueError(
                f"grad can be implicitly created only for one-element tensors; this one has "
                f"shape {root.shape}: pass backward(grad) with an array of that shape"
            )
        return np.ones_like(root.data)
    seed = np.array(getattr(grad, "data", grad), dtype=dtype)
    if seed.shape != root.data.shape:
        raise ValueError(f"grad has shape {seed.shape}, the tensor has shape {root.shape}")
    return seed


def backward(root: Any, grad: Any = None) -> None:
    """Backpropagate from `root`: see `Tensor.backward`.

    Raises:
        ValueError: if `root` does not require grad, or `grad` is missing for a tensor of
            more than one element, or has the wrong shape.
    """
    with backward_lock:  # passes sharing tensors take turns (see graph.backward_lock)
        _backward(root, grad)


def _backward(root: Any, grad: Any) -> None:
    seed = _seed(root, grad)
    if not root.children:  # a leaf accumulates, as in PyTorch
        root.grad = seed if root.grad is None else root.grad + seed
        return
    order = _backward_order(root)
    root.grad = seed
    check = MODE.anomaly
    for node in order:
        g = node.grad
        for child, child_grad in zip(node.children, GRADIENTS[node.op](node, g)):
            if child_grad is None:
                continue
            if type(child_grad) is not _ndarray:
                child_grad = _asarray(child_grad)
            if check:
                _check_backward(node, g, child_grad)
            dtype = child.data.dtype
            if child_grad.dtype is not dtype and child_grad.dtype != dtype:  # float32 met float64
                child_grad = child_grad.astype(dtype)
            previous = child.grad
            if previous is not None:
                # a new array, never `+=`: an array once stored in `.grad` is never changed
                child.grad = previous + child_grad
            elif child.children or (child_grad is not g and child_grad.base is None):
                child.grad = child_grad
            else:  # a leaf gets its own array, not a view of another tensor's gradient
                child.grad = child_grad.copy()


def _check_backward(node: Any, g: np.ndarray, child_grad: np.ndarray) -> None:
    if np.isfinite(child_grad).all() or not np.isfinite(g).all():
        return
    name = node.label or f"the output of {node.op}"
    raise FloatingPointError(
        f"backward: the gradient rule of {node.op} at {name} gave a non-finite gradient "
        "from a finite one"
    )
