"""Each Tensor op's vector-Jacobian product built from Tensor ops, for ``create_graph=True``.

The twin of the array rules in `tensor_gradients`: the same formulas in the same float order,
but written with Tensor operations on the graph's own nodes, so that the gradient they give
is a Tensor whose graph leads back to the inputs and can be differentiated again. A rule
takes the op's output node and g = ∂L/∂out (a Tensor) and returns ∂L/∂operand for each
operand, or None for an operand that needs no gradient.

Three ops exist for these rules: ``mask`` (keep g where a condition holds, 0 elsewhere, so
that a zero local derivative stops a nan or inf from above, as PyTorch's ``where``),
``scatter`` (the adjoint of indexing) and ``normal_cdf`` (Φ, in GELU's derivative).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor, result
from chainrule.engine.tensor_gradients import GRADIENTS
from chainrule.engine.tensor_special import erfc

Rule = Callable[[Any, Tensor], tuple]

_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_quiet = np.errstate


# --------------------------------------------------------------------- the three helper ops
def mask(g: Tensor, keep: np.ndarray) -> Tensor:
    """g where `keep` is true, exactly 0 elsewhere (even where g is nan or inf)."""
    keep = np.broadcast_to(keep, g.data.shape)
    data = np.where(keep, g.data, np.zeros((), dtype=g.data.dtype))
    return result(data, "mask", (g,), keep, g.requires_grad)


def scatter(g: Tensor, key: Any, basic: bool, shape: tuple[int, ...]) -> Tensor:
    """Zeros of `shape` with g placed at ``[key]`` (added where an index repeats)."""
    data = np.zeros(shape, dtype=g.data.dtype)
    if basic:
        data[key] = g.data
    else:
        np.add.at(data, key, g.data)
    return result(data, "scatter", (g,), (key, basic), g.requires_grad)


def normal_cdf(a: Tensor) -> Tensor:
    """Φ(a) = erfc(−a/√2)/2 elementwise, as a node (GELU's derivative needs it)."""
    with _quiet(invalid="ignore", over="ignore"):
        data = (0.5 * erfc(-a.data / _SQRT2)).astype(a.data.dtype, copy=False)
    return result(data, "normal_cdf", (a,), None, a.requires_grad)


def _normal_pdf(a: Tensor) -> Tensor:
    """φ(a) = e^(−a²/2)/√(2π), 0 at ±inf with derivatives 0 there too (not 0·inf = nan)."""
    finite = np.isfinite(a.data)
    if finite.all():
        return (-0.5 * a * a).exp() * _INV_SQRT_2PI  # the float order of the forward pass
    return mask(_normal_pdf(mask(a, finite)), finite)


def _mask_array(node: Any, g: np.ndarray) -> tuple:
    return (np.where(node._saved, g, np.zeros((), dtype=g.dtype)),)


def _scatter_array(node: Any, g: np.ndarray) -> tuple:
    key, _ = node._saved
    return (g[key],)


def _normal_cdf_array(node: Any, g: np.ndarray) -> tuple:
    a = node.children[0].data
    with _quiet(over="ignore", invalid="ignore"):
        return (g * (np.exp(-0.5 * a * a) * _INV_SQRT_2PI),)  # dΦ/da = φ(a)


# The float rules of the helper ops, for a backward pass through a gradient's graph.
GRADIENTS.update(mask=_mask_array, scatter=_scatter_array, normal_cdf=_normal_cdf_array)


# ------------------------------------------------------------------------------ helpers
def unbroadcast(g: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum g over the axes broadcasting added or stretched, back to `shape` (as ops)."""
    if g.data.shape == shape:
        return g
    extra = g.data.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.data.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return g


def _expand(g: Tensor, node: Any) -> Tensor:
    """A reduction's output gradient with its reduced axes back (length 1), to broadcast."""
    axis, keepdims = node._saved
    if axis is None or keepdims:
        return g
    return g.reshape(np.expand_dims(g.data, axis).shape)


def _spread(g: Tensor, shape: tuple[int, ...]) -> Tensor:
    """g broadcast to `shape` (times ones: exact, nan stays nan)."""
    if g.data.shape == shape:
        return g
    return g * np.ones(shape, dtype=g.data.dtype)


def _if(condition: bool, make: Callable[[], Tensor]) -> Tensor | None:
    return make() if condition else None


# ------------------------------------------------------------------------------ the rules
def _add(node: Any, g: Tensor) -> tuple:
    a, b = node.children
    return (
        _if(a.requires_grad, lambda: unbroadcast(g, a.data.shape)),
        _if(b.requires_grad, lambda: unbroadcast(g, b.data.shape)),
    )


def _sub(node: Any, g: Tensor) -> tuple:
    a, b = node.children
    return (
        _if(a.requires_grad, lambda: unbroadcast(g, a.data.shape)),
        _if(b.requires_grad, lambda: unbroadcast(-g, b.data.shape)),
    )


def _mul(node: Any, g: Tensor) -> tuple:
    a, b = node.children
    return (
        _if(a.requires_grad, lambda: unbroadcast(g * b, a.data.shape)),
        _if(b.requires_grad, lambda: unbroadcast(g * a, b.data.shape)),
    )


def _div(node: Any, g: Tensor) -> tuple:
    a, b = node.children
    return (
        _if(a.requires_grad, lambda: unbroadcast(g / b, a.data.shape)),
        _if(b.requires_grad, lambda: unbroadcast(-g * node / b, b.data.shape)),
    )


def _pow(node: Any, g: Tensor) -> tuple:
    a, b = node.children
    x, y = a.data, b.data
    grad_a = grad_b = None
    if a.requires_grad:
        # d(a^b)/da = b·a^(b−1); 0 where b = 0, even against a nan or inf from above
        exponent = b if b.requires_grad else y
        local = exponent * a ** (exponent - 1.0)
        product = g * local
        if not y.all():
            product = mask(product, y != 0)
        grad_a = unbroadcast(product, x.shape)
    if b.requires_grad:
        # d(a^b)/db = a^b·ln(a); 0 where a = 0 and b ≥ 0 (as PyTorch)
        log_a: Any = a.log() if a.requires_grad else _log_constant(x)
        product = g * (node * log_a)
        zero = (x == 0) & (y >= 0)
        if zero.any():
            product = mask(product, ~zero)
        grad_b = unbroadcast(product, y.shape)
    return grad_a, grad_b


def _log_constant(x: np.ndarray) -> np.ndarray:
    with _quiet(divide="ignore", invalid="ignore"):
        return np.log(x)


def _neg(node: Any, g: Tensor) -> tuple:
    return (-g,)


def _abs(node: Any, g: Tensor) -> tuple:
    sign = np.sign(node.children[0].data)
    product = g * sign
    return (mask(product, sign != 0) if not sign.all() else product,)


def _exp(node: Any, g: Tensor) -> tuple:
    return (g * node,)


def _log(node: Any, g: Tensor) -> tuple:
    return (g / node.children[0],)


def _sqrt(node: Any, g: Tensor) -> tuple:
    return (g * (0.5 / node),)


def _relu(node: Any, g: Tensor) -> tuple:
    return (mask(g, node.data > 0),)


def _leaky_relu(node: Any, g: Tensor) -> tuple:
    a = node.children[0].data
    slope = node._saved
    product = g * np.where(a > 0, 1.0, slope).astype(a.dtype, copy=False)
    return (mask(product, a > 0) if slope == 0 else product,)


def _sigmoid(node: Any, g: Tensor) -> tuple:
    return (g * (node * (1.0 - node)),)


def _tanh(node: Any, g: Tensor) -> tuple:
    return (g * (1.0 - node * node),)


def _gelu(node: Any, g: Tensor) -> tuple:
    a = node.children[0]
    # Φ(a) + a·φ(a), with a·φ(a) taken as 0 at ±inf (its limit; the product would be nan),
    # computed at a finite stand-in there so that its derivatives are 0 rather than nan
    finite = np.isfinite(a.data)
    stand_in = a if finite.all() else mask(a, finite)
    return (g * (normal_cdf(a) + stand_in * _normal_pdf(stand_in)),)


def _normal_cdf(node: Any, g: Tensor) -> tuple:
    return (g * _normal_pdf(node.children[0]),)


def _swap_last(t: Tensor) -> Tensor:
    axes = list(range(t.data.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return t.transpose(tuple(axes))


def _matmul(node: Any, g: Tensor) -> tuple:
    a, b = node.children
    x, w = a.data, b.data
    if x.ndim == 2 and w.ndim == 2:
        # out = x·w: ∂L/∂x = g·wᵀ, ∂L/∂w = xᵀ·g
        return (_if(a.requires_grad, lambda: g @ b.T), _if(b.requires_grad, lambda: a.T @ g))
    if x.ndim == 1 and w.ndim == 1:
        return (_if(a.requires_grad, lambda: g * b), _if(b.requires_grad, lambda: g * a))
    a2 = a.reshape(1, x.shape[0]) if x.ndim == 1 else a
    b2 = b.reshape(w.shape[0], 1) if w.ndim == 1 else b
    g2 = g.reshape((*g.data.shape[:-1], 1, g.data.shape[-1])) if x.ndim == 1 else g
    g2 = g2.reshape((*g2.data.shape, 1)) if w.ndim == 1 else g2
    return (
        _if(
            a.requires_grad,
            lambda: unbroadcast(g2 @ _swap_last(b2), a2.data.shape).reshape(x.shape),
        ),
        _if(
            b.requires_grad,
            lambda: unbroadcast(_swap_last(a2) @ g2, b2.data.shape).reshape(w.shape),
        ),
    )


def _sum(node: Any, g: Tensor) -> tuple:
    return (_spread(_expand(g, node), node.children[0].data.shape),)


def _mean(node: Any, g: Tensor) -> tuple:
    a = node.children[0].data
    count = a.size // max(node.data.size, 1) if a.size else 1
    return (_spread(_expand(g, node) / count, a.shape),)


def _max(node: Any, g: Tensor) -> tuple:
    a = node.children[0].data
    axis, keepdims = node._saved
    top = node.data if axis is None or keepdims else np.expand_dims(node.data, axis)
    winners = a == top
    ties = winners.sum(axis=axis, keepdims=True)
    return (mask(_spread(_expand(g, node) / ties, a.shape), winners),)


def _reshape(node: Any, g: Tensor) -> tuple:
    return (g.reshape(node.children[0].data.shape),)


def _transpose(node: Any, g: Tensor) -> tuple:
    axes = node._saved
    return (g.transpose() if axes is None else g.transpose(tuple(np.argsort(axes))),)


def _index(node: Any, g: Tensor) -> tuple:
    key, basic = node._saved
    return (scatter(g, key, basic, node.children[0].data.shape),)


def _softmax(node: Any, g: Tensor) -> tuple:
    # ∂L/∂x = s·(g − Σ_j g_j s_j)
    return (node * (g - (g * node).sum(axis=node._saved, keepdims=True)),)


def _log_softmax(node: Any, g: Tensor) -> tuple:
    # ∂L/∂x = g − s·Σ_i g_i, s = e^out
    return (g - node.exp() * g.sum(axis=node._saved, keepdims=True),)


def _cross_entropy(node: Any, g: Tensor) -> tuple:
    logits = node.children[0]
    _, targets, reduction = node._saved
    n = len(targets)
    onehot = np.zeros_like(logits.data)
    onehot[np.arange(n), targets] = 1.0
    difference = logits.softmax(axis=1) - onehot  # softmax(x) − onehot(t)
    if reduction == "none":
        return (difference * g.reshape(n, 1),)
    return (difference * (g / n if reduction == "mean" else g),)


def _scatter(node: Any, g: Tensor) -> tuple:
    key, _ = node._saved
    return (g[key],)


def _mask(node: Any, g: Tensor) -> tuple:
    return (mask(g, node._saved),)


#: Op name → its vector-Jacobian product built from Tensor ops.
RULES: dict[str, Rule] = {
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
    "normal_cdf": _normal_cdf,
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
    "scatter": _scatter,
    "mask": _mask,
}


def vector_jacobian(node: Any, g: Tensor) -> tuple:
    """∂L/∂operand for each operand of `node`, built from ops, given g = ∂L/∂node.

    Raises:
        NotImplementedError: for an op with no rule.
    """
    rule = RULES.get(node.op)
    if rule is None:
        raise NotImplementedError(f"create_graph: no derivative rule for op {node.op!r}")
    with _quiet(divide="ignore", invalid="ignore", over="ignore"):
        return rule(node, g)
