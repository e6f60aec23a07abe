"""The Tensor gradient table: one vector-Jacobian product per op, keyed by `Tensor.op`.

A rule takes the op's output node and g = ∂L/∂out (an array of the output's shape) and returns
∂L/∂operand for each operand, or None for an operand that needs no gradient. Rules read what
they need from the graph itself (`node.data`, `node.children[i].data`) and from the few
arrays or settings the forward pass saved in `node._saved`; no closure is stored per node.
Rules never write into `g`, into a saved array or into an operand's data, so a gradient
handed to the user is never changed behind their back. The formula text shown in diagrams
for the ops shared with `Value` is in `chainrule.engine.ops`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Array = np.ndarray
Rule = Callable[[Any, Array], tuple]


def unbroadcast(grad: Array, shape: tuple[int, ...]) -> Array:
    """Sum `grad` over the axes NumPy broadcasting added or stretched, back to `shape`.

    >>> unbroadcast(np.ones((4, 3)), (3,)).tolist()
    [4.0, 4.0, 4.0]
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad if type(grad) is np.ndarray else np.asarray(grad)  # a full sum gives a scalar


def expand_reduced(g: Array, axis: Any, keepdims: bool) -> Array:
    """Give the output gradient of a reduction back its reduced axes (length 1) to broadcast."""
    if axis is None or keepdims:
        return g
    return np.expand_dims(g, axis)


# ------------------------------------------------------------------------- the rules
# Each rule states its maths in its comment; a and b are the operands, out the result.
def _add(node: Any, g: Array) -> tuple:
    a, b = node.children
    # d(a+b)/da = 1, d(a+b)/db = 1
    return (
        unbroadcast(g, a.data.shape) if a.requires_grad else None,
        unbroadcast(g, b.data.shape) if b.requires_grad else None,
    )


def _sub(node: Any, g: Array) -> tuple:
    a, b = node.children
    # d(a−b)/da = 1, d(a−b)/db = −1
    return (
        unbroadcast(g, a.data.shape) if a.requires_grad else None,
        unbroadcast(-g, b.data.shape) if b.requires_grad else None,
    )


def _mul(node: Any, g: Array) -> tuple:
    a, b = node.children
    # d(a·b)/da = b, d(a·b)/db = a
    return (
        unbroadcast(g * b.data, a.data.shape) if a.requires_grad else None,
        unbroadcast(g * a.data, b.data.shape) if b.requires_grad else None,
    )


def _div(node: Any, g: Array) -> tuple:
    a, b = node.children
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # d(a/b)/da = 1/b, d(a/b)/db = −a/b² = −out/b
        grad_a = unbroadcast(g / b.data, a.data.shape) if a.requires_grad else None
        grad_b = unbroadcast(-g * node.data / b.data, b.data.shape) if b.requires_grad else None
    return grad_a, grad_b


def _pow(node: Any, g: Array) -> tuple:
    a, b = node.children
    x, y = a.data, b.data
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        grad_a = grad_b = None
        if a.requires_grad:
            # d(a^b)/da = b·a^(b−1), taken as 0 where b = 0 (as PyTorch and Value: a^0 = 1
            # is constant, even at a = 0 where the formula gives 0·∞)
            local = y * np.power(x, y - 1)
            if not y.all():
                local = np.where(y == 0, 0.0, local)
            grad_a = unbroadcast(g * local, x.shape)
        if b.requires_grad:
            # d(a^b)/db = a^b·ln(a), taken as 0 where a = 0 and b ≥ 0 (as PyTorch)
            local = node.data * np.log(x)
            local = np.where((x == 0) & (y >= 0), 0.0, local).astype(node.data.dtype)
            grad_b = unbroadcast(g * local, y.shape)
    return grad_a, grad_b


def _neg(node: Any, g: Array) -> tuple:
    return (-g,)  # d(−a)/da = −1


def _abs(node: Any, g: Array) -> tuple:
    return (g * np.sign(node.children[0].data),)  # d|a|/da = sign(a), 0 at 0


def _exp(node: Any, g: Array) -> tuple:
    return (g * node.data,)  # d(e^a)/da = e^a


def _log(node: Any, g: Array) -> tuple:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (g / node.children[0].data,)  # d(ln a)/da = 1/a


def _sqrt(node: Any, g: Array) -> tuple:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (g * (0.5 / node.data),)  # d(√a)/da = 1/(2√a)


def _relu(node: Any, g: Array) -> tuple:
    return (g * (node.data > 0),)  # 1 where a > 0, else 0


def _leaky_relu(node: Any, g: Array) -> tuple:
    slope = node._saved
    a = node.children[0].data
    return (g * np.where(a > 0, 1.0, slope).astype(a.dtype, copy=False),)  # 1 or slope


def _sigmoid(node: Any, g: Array) -> tuple:
    s = node.data
    return (g * (s * (1.0 - s)),)  # dσ/da = σ(1 − σ)


def _tanh(node: Any, g: Array) -> tuple:
    t = node.data
    return (g * (1.0 - t * t),)  # d tanh(a)/da = 1 − tanh²(a)


def _gelu(node: Any, g: Array) -> tuple:
    return (g * node._saved,)  # Φ(a) + a·φ(a), saved by the forward pass


def _matmul(node: Any, g: Array) -> tuple:
    a, b = node.children
    x, w = a.data, b.data
    if x.ndim == 2 and w.ndim == 2:
        # out = x·w: ∂L/∂x = g·wᵀ, ∂L/∂w = xᵀ·g
        return (g @ w.T if a.requires_grad else None, x.T @ g if b.requires_grad else None)
    if x.ndim == 1 and w.ndim == 1:  # the dot product: ∂L/∂x = g·w, ∂L/∂w = g·x
        return (g * w if a.requires_grad else None, g * x if b.requires_grad else None)
    # 1-D operands are promoted to matrices (a row for the left, a column for the right),
    # and g to the matching shape; stacked (batched) operands are un-broadcast afterwards.
    x2 = x[None, :] if x.ndim == 1 else x
    w2 = w[:, None] if w.ndim == 1 else w
    g2 = g[..., None, :] if x.ndim == 1 else g
    g2 = g2[..., None] if w.ndim == 1 else g2
    grad_x = grad_w = None
    if a.requires_grad:
        grad_x = unbroadcast(g2 @ np.swapaxes(w2, -1, -2), x2.shape).reshape(x.shape)
    if b.requires_grad:
        grad_w = unbroadcast(np.swapaxes(x2, -1, -2) @ g2, w2.shape).reshape(w.shape)
    return grad_x, grad_w


def _sum(node: Any, g: Array) -> tuple:
    a = node.children[0].data
    axis, keepdims = node._saved
    grad = np.empty_like(a)
    grad[...] = expand_reduced(g, axis, keepdims)  # every summand gets g
    return (grad,)


def _mean(node: Any, g: Array) -> tuple:
    a = node.children[0].data
    axis, keepdims = node._saved
    count = a.size // max(node.data.size, 1) if a.size else 1
    grad = np.empty_like(a)
    grad[...] = expand_reduced(g, axis, keepdims) / count  # g/n to each of the n terms
    return (grad,)


def _max(node: Any, g: Array) -> tuple:
    a = node.children[0].data
    axis, keepdims = node._saved
    top = expand_reduced(node.data, axis, keepdims)
    winners = a == top
    # ties share the gradient evenly, as PyTorch's amax
    ties = winners.sum(axis=axis, keepdims=True)
    return (winners * (expand_reduced(g, axis, keepdims) / ties).astype(a.dtype, copy=False),)


def _reshape(node: Any, g: Array) -> tuple:
    return (g.reshape(node.children[0].data.shape),)


def _transpose(node: Any, g: Array) -> tuple:
    axes = node._saved
    return (g.transpose() if axes is None else g.transpose(np.argsort(axes)),)


def _index(node: Any, g: Array) -> tuple:
    key, basic = node._saved
    grad = np.zeros_like(node.children[0].data)
    if basic:  # slices and integers pick each element at most once
        grad[key] = g
    else:  # an index array may pick an element twice: its gradients add up
        np.add.at(grad, key, g)
    return (grad,)


def _softmax(node: Any, g: Array) -> tuple:
    s = node.data
    # ∂s_i/∂x_j = s_i(δ_ij − s_j)  ⇒  ∂L/∂x = s·(g − Σ_j g_j s_j)
    return (s * (g - (g * s).sum(axis=node._saved, keepdims=True)),)


def _log_softmax(node: Any, g: Array) -> tuple:
    s = np.exp(node.data)
    # ∂y_i/∂x_j = δ_ij − s_j  ⇒  ∂L/∂x = g − s·Σ_i g_i
    return (g - s * g.sum(axis=node._saved, keepdims=True),)


def _cross_entropy(node: Any, g: Array) -> tuple:
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


GRADIENTS: dict[str, Rule] = {
    "+": _add,
    "-": _sub,
    "*": _mul,
    "/": _div,
    "**": _pow,
    "neg": _neg,
    "abs": _abs,
    "exp": _exp,
    "log": _log,
    "sqrt": _sqrt,
    "relu": _relu,
    "leaky_relu": _leaky_relu,
    "sigmoid": _sigmoid,
    "tanh": _tanh,
    "gelu": _gelu,
    "matmul": _matmul,
    "sum": _sum,
    "mean": _mean,
    "max": _max,
    "reshape": _reshape,
    "transpose": _transpose,
    "index": _index,
    "softmax": _softmax,
    "log_softmax": _log_softmax,
    "cross_entropy": _cross_entropy,
}
