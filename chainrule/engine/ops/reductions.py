"""Reductions and shape ops: sum, mean, max, reshape, transpose, indexing; dot over lists.

On Values, sum and dot are n-ary ops (`chainrule.sum`, `chainrule.dot`): one node over a list
of any length, whose local derivatives are data (1 for each summand of a sum, the other
factor for each factor of a dot), where a chain of binary ops would make a node per product
and per partial sum. Also `unbroadcast`, which every array rule uses to sum a gradient back
to an operand's shape.
"""

from __future__ import annotations

import functools
import operator
from typing import Any

import numpy as np

from chainrule.engine.ops.elementwise import masked
from chainrule.engine.ops.record import CALL, Op, constant_locals

Array = np.ndarray


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


def unbroadcast_ops(g: Any, shape: tuple[int, ...]) -> Any:
    """`unbroadcast` with Tensor ops (for create_graph): the same sums, recorded."""
    if g.data.shape == shape:
        return g
    extra = g.data.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.data.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return g


def _expand_ops(g: Any, node: Any) -> Any:
    """A reduction's output gradient (a Tensor) with its reduced axes back, and broadcast to
    the operand's shape (times ones: exact, and nan stays nan)."""
    axis, keepdims = node._saved
    if axis is not None and not keepdims:
        g = g.reshape(np.expand_dims(g.data, axis).shape)
    shape = node.children[0].data.shape
    return g if g.data.shape == shape else g * np.ones(shape, dtype=g.data.dtype)


def expand_reduced(g: Array, axis: Any, keepdims: bool) -> Array:
    """Give the output gradient of a reduction back its reduced axes (length 1) to broadcast."""
    if axis is None or keepdims:
        return g
    return np.expand_dims(g, axis)


# ------------------------------------------------------------------------------ sum(a)
def _sum_scalar(data: list[float]) -> list[tuple[float, tuple[float, ...]]]:
    # Σ x_i, added left to right as a chain of + would; ∂/∂x_i = 1
    return [(functools.reduce(operator.add, data), (1.0,) * len(data))]


def _sum_forward(a: Array, axis: Any, keepdims: bool) -> tuple[Any, Any]:
    return a.sum(axis=axis, keepdims=keepdims), (axis, keepdims)


def _sum_vjp(node: Any, g: Array) -> tuple:
    a = node.children[0].data
    axis, keepdims = node._saved
    grad = np.empty_like(a)
    grad[...] = expand_reduced(g, axis, keepdims)  # every summand gets g
    return (grad,)


def _sum_vjp_ops(node: Any, g: Any) -> tuple:
    return (_expand_ops(g, node),)


SUM = Op(
    name="sum",
    symbol="Σ",
    text="sum({a})",
    precedence=CALL,
    formulas=("1",),
    arity=None,  # on Values, one node over a list of any length (`chainrule.sum`)
    scalar=_sum_scalar,
    forward=_sum_forward,
    vjp=_sum_vjp,
    options=("axis", "keepdims"),
    local_ops=constant_locals,  # on Values: 1 for every summand
    vjp_ops=_sum_vjp_ops,
)


# ------------------------------------------------------------------------- dot(ws, xs)
def _dot_scalar(ws: list[float], xs: list[float]) -> list[tuple[float, tuple[float, ...]]]:
    # Σ w_i·x_i, added left to right as a chain of · and + would;
    # ∂/∂w_i = x_i and ∂/∂x_i = w_i: the operands are ws then xs, so are their derivatives
    return [(functools.reduce(operator.add, map(operator.mul, ws, xs)), (*xs, *ws))]


def _dot_local_ops(node: Any) -> tuple:
    operands = node.children
    half = len(operands) // 2
    return (*operands[half:], *operands[:half])  # the other factors themselves, as for a·b


DOT = Op(
    name="dot",
    symbol="dot",
    text="dot({a})",
    precedence=CALL,
    formulas=("x_i for w_i, w_i for x_i",),  # the other factor (viz names it, edge by edge)
    arity=None,  # ws and xs: a list of products of any length (`chainrule.dot`)
    scalar=_dot_scalar,
    local_ops=_dot_local_ops,
)


# ----------------------------------------------------------------------------- mean(a)
def _mean_forward(a: Array, axis: Any, keepdims: bool) -> tuple[Any, Any]:
    return a.mean(axis=axis, keepdims=keepdims), (axis, keepdims)


def _mean_vjp(node: Any, g: Array) -> tuple:
    a = node.children[0].data
    axis, keepdims = node._saved
    count = a.size // max(node.data.size, 1) if a.size else 1
    grad = np.empty_like(a)
    grad[...] = expand_reduced(g, axis, keepdims) / count  # g/n to each of the n terms
    return (grad,)


def _mean_vjp_ops(node: Any, g: Any) -> tuple:
    a = node.children[0].data
    count = a.size // max(node.data.size, 1) if a.size else 1
    return (_expand_ops(g / count, node),)


MEAN = Op(
    name="mean",
    symbol="mean",
    text="mean({a})",
    precedence=CALL,
    formulas=("1/n (broadcast)",),
    forward=_mean_forward,
    vjp=_mean_vjp,
    options=("axis", "keepdims"),
    vjp_ops=_mean_vjp_ops,
)


# ------------------------------------------------------------------------------ max(a)
def _max_forward(a: Array, axis: Any, keepdims: bool) -> tuple[Any, Any]:
    return a.max(axis=axis, keepdims=keepdims), (axis, keepdims)


def _max_vjp(node: Any, g: Array) -> tuple:
    a = node.children[0].data
    axis, keepdims = node._saved
    top = expand_reduced(node.data, axis, keepdims)
    winners = a == top
    # ties share the gradient evenly, as PyTorch's amax
    ties = winners.sum(axis=axis, keepdims=True)
    return (winners * (expand_reduced(g, axis, keepdims) / ties).astype(a.dtype, copy=False),)


def _max_vjp_ops(node: Any, g: Any) -> tuple:
    a = node.children[0].data
    axis, keepdims = node._saved
    winners = a == expand_reduced(node.data, axis, keepdims)
    ties = winners.sum(axis=axis, keepdims=True)
    return (masked(_expand_ops(g, node) / ties, winners),)  # exactly 0 off the maximum


MAX = Op(
    name="max",
    symbol="max",
    text="max({a})",
    precedence=CALL,
    formulas=("1 at the maximum (split among ties)",),
    forward=_max_forward,
    vjp=_max_vjp,
    options=("axis", "keepdims"),
    vjp_ops=_max_vjp_ops,
)


# -------------------------------------------------------------------------- reshape(a)
def _reshape_forward(a: Array, shape: tuple[int, ...]) -> tuple[Any, None]:
    return a.reshape(shape), None


def _reshape_vjp(node: Any, g: Array) -> tuple:
    return (g.reshape(node.children[0].data.shape),)


def _reshape_vjp_ops(node: Any, g: Any) -> tuple:
    return (g.reshape(node.children[0].data.shape),)


RESHAPE = Op(
    name="reshape",
    symbol="reshape",
    text="reshape({a})",
    precedence=CALL,
    formulas=("reshape back",),
    forward=_reshape_forward,
    vjp=_reshape_vjp,
    options=("shape",),
    vjp_ops=_reshape_vjp_ops,
)


# -------------------------------------------------------------------------------- a.T
def _transpose_forward(a: Array, axes: Any) -> tuple[Any, Any]:
    return a.transpose(axes), axes


def _transpose_vjp(node: Any, g: Array) -> tuple:
    axes = node._saved
    return (g.transpose() if axes is None else g.transpose(np.argsort(axes)),)


def _transpose_vjp_ops(node: Any, g: Any) -> tuple:
    axes = node._saved
    return (g.transpose() if axes is None else g.transpose(tuple(np.argsort(axes))),)


TRANSPOSE = Op(
    name="transpose",
    symbol="ᵀ",
    text="{a}ᵀ",
    precedence=CALL,
    formulas=("transpose back",),
    forward=_transpose_forward,
    vjp=_transpose_vjp,
    options=("axes",),
    vjp_ops=_transpose_vjp_ops,
)


# ------------------------------------------------------------------------------- a[key]
def _is_basic(key: Any) -> bool:
    """True for basic indexing (each element picked at most once, the result a view)."""
    for k in key if isinstance(key, tuple) else (key,):
        if not (k is None or k is Ellipsis or isinstance(k, (int, slice, np.integer))):
            return False
        if isinstance(k, bool):
            return False
    return True


def _index_forward(a: Array, key: Any) -> tuple[Any, Any]:
    return a[key], (key, _is_basic(key))


def _index_vjp(node: Any, g: Array) -> tuple:
    key, basic = node._saved
    grad = np.zeros_like(node.children[0].data)
    if basic:  # slices and integers pick each element at most once
        grad[key] = g
    else:  # an index array may pick an element twice: its gradients add up
        np.add.at(grad, key, g)
    return (grad,)


def _index_vjp_ops(node: Any, g: Any) -> tuple:
    key, basic = node._saved
    return (g._apply(SCATTER, key, basic, node.children[0].data.shape),)


INDEX = Op(
    name="index",
    symbol="[ ]",
    text="{a}[…]",
    precedence=CALL,
    formulas=("scatter into the indexed entries",),
    forward=_index_forward,
    vjp=_index_vjp,
    options=("key",),
    vjp_ops=_index_vjp_ops,
)


# ------------------------------------------------------------- scatter: indexing's adjoint
# Zeros of the indexed tensor's shape with g placed at [key] (added up where an index repeats):
# the vector-Jacobian product of indexing as an op of its own, so that create_graph can
# differentiate through it; its own vector-Jacobian product is indexing again.
def _scatter_forward(g: Array, key: Any, basic: bool, shape: tuple[int, ...]) -> tuple[Any, Any]:
    out = np.zeros(shape, dtype=g.dtype)
    if basic:
        out[key] = g
    else:
        np.add.at(out, key, g)
    return out, (key, basic)


def _scatter_vjp(node: Any, g: Array) -> tuple:
    return (g[node._saved[0]],)


def _scatter_vjp_ops(node: Any, g: Any) -> tuple:
    return (g[node._saved[0]],)


SCATTER = Op(
    name="scatter",
    symbol="scatter",
    text="scatter({a})",
    precedence=CALL,
    formulas=("pick the indexed entries",),
    forward=_scatter_forward,
    vjp=_scatter_vjp,
    vjp_ops=_scatter_vjp_ops,
)

RECORDS = (SUM, DOT, MEAN, MAX, RESHAPE, TRANSPOSE, INDEX, SCATTER)
