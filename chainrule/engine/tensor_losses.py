"""The fused softmax cross-entropy on Tensors: a stable forward and a one-step backward."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.tensor_ops import TensorOps

_REDUCTIONS = ("mean", "sum", "none")


def cross_entropy(logits: Any, targets: Any, *, reduction: str = "mean") -> Any:
    """Mean softmax cross-entropy of a batch of logits against integer class indices.

    Fused and stable: L = mean_i(log Σ_j e^(x_ij − m_i) − (x_it_i − m_i)), m_i = max_j x_ij,
    and one backward step, ∂L/∂x = (softmax(x) − onehot(t))/n.

    Args:
        logits: a Tensor of shape (n, k).
        targets: n class indices in [0, k) (an integer array, list or Tensor).
        reduction: ``"mean"`` (the default), ``"sum"``, or ``"none"`` for the n losses.

    Returns:
        A Tensor of shape () (shape (n,) for ``reduction="none"``).

    Raises:
        TypeError: if `logits` is not a Tensor or the targets are not integers.
        ValueError: if the shapes do not match, a target is out of range, or the reduction
            is unknown.

    >>> from chainrule.engine.tensor import Tensor
    >>> logits = Tensor([[2.0, 0.0], [0.0, 2.0]], requires_grad=True)
    >>> loss = cross_entropy(logits, [0, 1])
    >>> round(loss.item(), 4)
    0.1269
    """
    if not isinstance(logits, TensorOps):
        raise TypeError(f"cross_entropy() takes logits as a Tensor, got {type(logits).__name__}")
    if logits.data.ndim != 2:
        raise ValueError(f"cross_entropy() takes logits of shape (n, k), got {logits.data.shape}")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    classes = _class_indices(targets, *logits.data.shape)
    shifted = logits.data - logits.data.max(axis=1, keepdims=True)
    exps = np.exp(shifted)
    totals = exps.sum(axis=1, keepdims=True)
    losses = np.log(totals[:, 0]) - shifted[np.arange(len(classes)), classes]
    if reduction != "none":
        losses = losses.mean() if reduction == "mean" else losses.sum()
    saved = (exps / totals, classes, reduction)
    return logits._result(losses, "cross_entropy", (logits,), saved, logits.requires_grad)


def _class_indices(targets: Any, n: int, k: int) -> np.ndarray:
    array = np.asarray(targets.data if isinstance(targets, TensorOps) else targets)
    if array.dtype.kind == "f" and np.array_equal(array, np.round(array)):
        array = array.astype(np.intp)
    if array.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy() takes integer class indices, got {array.dtype} targets")
    if array.shape != (n,):
        raise ValueError(
            f"cross_entropy() got {n} rows of logits but targets of shape {array.shape}"
        )
    if n and (array.min() < 0 or array.max() >= k):
        raise ValueError(
            f"cross_entropy() target out of range: classes are 0..{k - 1}, "
            f"got {array.min()}..{array.max()}"
        )
    return array
