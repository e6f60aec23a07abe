"""Softmax, log-softmax and the fused softmax cross-entropy, all with the maximum subtracted.

On Values, softmax and log-softmax take a list: each output is one node whose operands are
all the inputs, so a diagram shows that every probability depends on every score, and the
node records which output it is (`Value.output_index`). On Tensors they work along an axis.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.ieee import softmax_data
from chainrule.engine.ops.record import CALL, Op

Array = np.ndarray
Pairs = list[tuple[float, tuple[float, ...]]]  # (value, local derivatives) per output


# ----------------------------------------------------------------------- softmax(x)_i
def _softmax_scalar(data: list[float]) -> Pairs:
    probabilities = softmax_data(data)[0]
    # ∂s_i/∂x_j = s_i(δ_ij − s_j)
    return [
        (s_i, tuple(s_i * ((1.0 if i == j else 0.0) - s_j) for j, s_j in enumerate(probabilities)))
        for i, s_i in enumerate(probabilities)
    ]


def _softmax_forward(a: Array, axis: int) -> tuple[Any, int]:
    with np.errstate(invalid="ignore"):  # inf − inf: nan, as in PyTorch, without a warning
        shifted = a - a.max(axis=axis, keepdims=True)
        exps = np.exp(shifted)
        return exps / exps.sum(axis=axis, keepdims=True), axis


def _softmax_vjp(node: Any, g: Array) -> tuple:
    s = node.data
    # ∂s_i/∂x_j = s_i(δ_ij − s_j)  ⇒  ∂L/∂x = s·(g − Σ_j g_j s_j)
    return (s * (g - (g * s).sum(axis=node._saved, keepdims=True)),)


def probabilities_ops(values: Any) -> list[Any]:
    """softmax of Values rebuilt from elementary ops, e^(x_j − m)/Σ_k e^(x_k − m): the s_j
    a local derivative needs, as Values that lead back to the scores (m, the maximum, is a
    number: shifting every score by a constant leaves the softmax and its derivatives)."""
    top = max(v.data for v in values)
    exps = [(v - top).exp() for v in values]
    total = exps[0]
    for e in exps[1:]:
        total = total + e
    return [e / total for e in exps]


def _softmax_local_ops(node: Any) -> tuple:
    # ∂s_i/∂x_j = s_i(δ_ij − s_j), with s_i the node itself
    i = node.output_index
    s = probabilities_ops(node.children)
    return tuple(node * (1.0 - node) if j == i else node * -s_j for j, s_j in enumerate(s))


def _softmax_vjp_ops(node: Any, g: Any) -> tuple:
    return (node * (g - (g * node).sum(axis=node._saved, keepdims=True)),)


SOFTMAX = Op(
    name="softmax",
    symbol="softmax",
    text="softmax({a})",
    precedence=CALL,
    formulas=("s_i·(δ_ij − s_j)",),
    arity=None,
    scalar=_softmax_scalar,
    forward=_softmax_forward,
    vjp=_softmax_vjp,
    options=("axis",),
    local_ops=_softmax_local_ops,
    vjp_ops=_softmax_vjp_ops,
)


# ------------------------------------------------------------------- log_softmax(x)_i
def _log_softmax_scalar(data: list[float]) -> Pairs:
    probabilities, top, log_total = softmax_data(data)
    # ∂y_i/∂x_j = δ_ij − s_j
    return [
        (
            x_i - top - log_total,
            tuple((1.0 if i == j else 0.0) - s_j for j, s_j in enumerate(probabilities)),
        )
        for i, x_i in enumerate(data)
    ]


def _log_softmax_forward(a: Array, axis: int) -> tuple[Any, int]:
    with np.errstate(invalid="ignore"):  # inf − inf: nan, as in PyTorch, without a warning
        shifted = a - a.max(axis=axis, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True)), axis


def _log_softmax_vjp(node: Any, g: Array) -> tuple:
    s = np.exp(node.data)
    # ∂y_i/∂x_j = δ_ij − s_j  ⇒  ∂L/∂x = g − s·Σ_i g_i
    return (g - s * g.sum(axis=node._saved, keepdims=True),)


def _log_softmax_local_ops(node: Any) -> tuple:
    # ∂y_i/∂x_j = δ_ij − s_j, with s_i = e^(y_i)
    i = node.output_index
    s = probabilities_ops(node.children)
    return tuple(1.0 - node.exp() if j == i else -s_j for j, s_j in enumerate(s))


def _log_softmax_vjp_ops(node: Any, g: Any) -> tuple:
    return (g - node.exp() * g.sum(axis=node._saved, keepdims=True),)


LOG_SOFTMAX = Op(
    name="log_softmax",
    symbol="log_softmax",
    text="log_softmax({a})",
    precedence=CALL,
    formulas=("δ_ij − s_j",),
    arity=None,
    scalar=_log_softmax_scalar,
    forward=_log_softmax_forward,
    vjp=_log_softmax_vjp,
    options=("axis",),
    local_ops=_log_softmax_local_ops,
    vjp_ops=_log_softmax_vjp_ops,
)


# ---------------------------------------------------------------- cross_entropy(x, t)
_REDUCTIONS = ("mean", "sum", "none")


def _cross_entropy_forward(logits: Array, targets: Any, reduction: str) -> tuple[Any, Any]:
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy() takes logits of shape (n, k), got {logits.shape}")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    classes = _class_indices(targets, *logits.shape)
    # L_i = log Σ_j e^(x_ij − m_i) − (x_it_i − m_i), m_i = max_j x_ij
    with np.errstate(invalid="ignore"):  # an infinite logit: nan, as in PyTorch, no warning
        shifted = logits - logits.max(axis=1, keepdims=True)
        exps = np.exp(shifted)
        totals = exps.sum(axis=1, keepdims=True)
        losses = np.log(totals[:, 0]) - shifted[np.arange(len(classes)), classes]
        if reduction != "none":
            losses = losses.mean() if reduction == "mean" else losses.sum()
        return losses, (exps / totals, classes, reduction)


def _class_indices(targets: Any, n: int, k: int) -> np.ndarray:
    array = np.asarray(targets)
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


def _cross_entropy_vjp(node: Any, g: Array) -> tuple:
    probabilities, targets, reduction = node._saved
    n = len(targets)
    # L_i = −log softmax(x_i)[t_i]  ⇒  ∂L_i/∂x_i = softmax(x_i) − onehot(t_i), scaled by
    # ∂L/∂L_i: g/n for the mean, g for the sum, g_i for the unreduced losses
    grad = probabilities.copy()
    grad[np.arange(n), targets] -= 1.0
    if reduction == "none":
        grad *= g[:, None]
    else:
        grad *= g / n if reduction == "mean" else g
    return (grad,)


def _cross_entropy_vjp_ops(node: Any, g: Any) -> tuple:
    logits = node.children[0]
    _, targets, reduction = node._saved
    n = len(targets)
    onehot = np.zeros_like(logits.data)
    onehot[np.arange(n), targets] = 1.0
    difference = logits.softmax(axis=1) - onehot  # softmax(x) − onehot(t), as ops
    if reduction == "none":
        return (difference * g.reshape(n, 1),)
    return (difference * (g / n if reduction == "mean" else g),)


CROSS_ENTROPY = Op(
    name="cross_entropy",
    symbol="CE",
    text="cross_entropy({a})",
    precedence=CALL,
    formulas=("(softmax(a) − onehot(y))/n",),
    forward=_cross_entropy_forward,
    vjp=_cross_entropy_vjp,
    options=("targets", "reduction"),
    vjp_ops=_cross_entropy_vjp_ops,
)

RECORDS = (SOFTMAX, LOG_SOFTMAX, CROSS_ENTROPY)
