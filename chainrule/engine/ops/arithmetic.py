"""Arithmetic: + − × ÷ **, negation and the matrix product.

Scalar rules follow IEEE/PyTorch at the edges (division by zero, 0 ** −1, a negative base
to a fractional power give inf or nan, never an exception); array rules un-broadcast their
gradients back to each operand's shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.ieee import div, pow_, pow_exponent_grad
from chainrule.engine.ops.elementwise import masked
from chainrule.engine.ops.record import ADDITIVE, MULTIPLICATIVE, POWER, PREFIX, Op, constant_locals
from chainrule.engine.ops.reductions import unbroadcast, unbroadcast_ops
from chainrule.engine.ops.stop import stop_at_zero

Array = np.ndarray
_quiet = np.errstate  # `with _quiet(...)` silences NumPy's warnings for IEEE results


# --------------------------------------------------------------------------------- a + b
def _add_scalar(a: float, b: float) -> tuple[float, tuple[float, float]]:
    return a + b, (1.0, 1.0)  # d(a+b)/da = 1, d(a+b)/db = 1


def _add_forward(a: Array, b: Array) -> tuple[Any, None]:
    return a + b, None


def _add_vjp(node: Any, g: Array) -> tuple:
    a, b = node.children
    # d(a+b)/da = 1, d(a+b)/db = 1
    return (
        unbroadcast(g, a.data.shape) if a.requires_grad else None,
        unbroadcast(g, b.data.shape) if b.requires_grad else None,
    )


def _add_vjp_ops(node: Any, g: Any) -> tuple:
    a, b = node.children
    return (
        unbroadcast_ops(g, a.data.shape) if a.requires_grad else None,
        unbroadcast_ops(g, b.data.shape) if b.requires_grad else None,
    )


ADD = Op(
    name="+",
    symbol="+",
    text="{a} + {b}",
    precedence=ADDITIVE,
    formulas=("1", "1"),
    arity=2,
    scalar=_add_scalar,
    forward=_add_forward,
    vjp=_add_vjp,
    parser="operator",
    local_ops=constant_locals,
    vjp_ops=_add_vjp_ops,
)


# --------------------------------------------------------------------------------- a − b
def _sub_scalar(a: float, b: float) -> tuple[float, tuple[float, float]]:
    return a - b, (1.0, -1.0)  # d(a−b)/da = 1, d(a−b)/db = −1


def _sub_forward(a: Array, b: Array) -> tuple[Any, None]:
    return a - b, None


def _sub_vjp(node: Any, g: Array) -> tuple:
    a, b = node.children
    # d(a−b)/da = 1, d(a−b)/db = −1
    return (
        unbroadcast(g, a.data.shape) if a.requires_grad else None,
        unbroadcast(-g, b.data.shape) if b.requires_grad else None,
    )


def _sub_vjp_ops(node: Any, g: Any) -> tuple:
    a, b = node.children
    return (
        unbroadcast_ops(g, a.data.shape) if a.requires_grad else None,
        unbroadcast_ops(-g, b.data.shape) if b.requires_grad else None,
    )


SUB = Op(
    name="-",
    symbol="−",
    text="{a} − {b}",
    precedence=ADDITIVE,
    formulas=("1", "−1"),
    arity=2,
    scalar=_sub_scalar,
    forward=_sub_forward,
    vjp=_sub_vjp,
    parser="operator",
    local_ops=constant_locals,
    vjp_ops=_sub_vjp_ops,
    parenthesize_ties=(1,),
)


# --------------------------------------------------------------------------------- a · b
def _mul_scalar(a: float, b: float) -> tuple[float, tuple[float, float]]:
    return a * b, (b, a)  # d(a·b)/da = b, d(a·b)/db = a


def _mul_forward(a: Array, b: Array) -> tuple[Any, None]:
    return a * b, None


def _mul_vjp(node: Any, g: Array) -> tuple:
    a, b = node.children
    # d(a·b)/da = b, d(a·b)/db = a
    return (
        unbroadcast(stop_at_zero(g, b.data), a.data.shape) if a.requires_grad else None,
        unbroadcast(stop_at_zero(g, a.data), b.data.shape) if b.requires_grad else None,
    )


def _mul_local_ops(node: Any) -> tuple:
    a, b = node.children
    return (b, a)  # d(a·b)/da = b, d(a·b)/db = a: the operands themselves


def _mul_vjp_ops(node: Any, g: Any) -> tuple:
    a, b = node.children
    return (
        unbroadcast_ops(g * b, a.data.shape) if a.requires_grad else None,
        unbroadcast_ops(g * a, b.data.shape) if b.requires_grad else None,
    )


MUL = Op(
    name="*",
    symbol="×",
    text="{a}·{b}",
    precedence=MULTIPLICATIVE,
    formulas=("b", "a"),
    arity=2,
    scalar=_mul_scalar,
    forward=_mul_forward,
    vjp=_mul_vjp,
    parser="operator",
    local_ops=_mul_local_ops,
    vjp_ops=_mul_vjp_ops,
)


# --------------------------------------------------------------------------------- a / b
def _div_scalar(a: float, b: float) -> tuple[float, tuple[float, float]]:
    inv_b = div(1.0, b)
    # d(a/b)/da = 1/b, d(a/b)/db = −a/b²
    return div(a, b), (inv_b, -a * inv_b * inv_b)


def _div_forward(a: Array, b: Array) -> tuple[Any, None]:
    with _quiet(divide="ignore", invalid="ignore", over="ignore"):
        return a / b, None


def _div_vjp(node: Any, g: Array) -> tuple:
    a, b = node.children
    with _quiet(divide="ignore", invalid="ignore", over="ignore"):
        # d(a/b)/da = 1/b, d(a/b)/db = −a/b² = −out/b
        grad_a = unbroadcast(g / b.data, a.data.shape) if a.requires_grad else None
        grad_b = unbroadcast(-g * node.data / b.data, b.data.shape) if b.requires_grad else None
    return grad_a, grad_b


def _div_local_ops(node: Any) -> tuple:
    a, b = node.children
    inv_b = 1.0 / b
    return (inv_b, -a * inv_b * inv_b)  # 1/b, −a/b²


def _div_vjp_ops(node: Any, g: Any) -> tuple:
    a, b = node.children
    return (
        unbroadcast_ops(g / b, a.data.shape) if a.requires_grad else None,
        unbroadcast_ops(-g * node / b, b.data.shape) if b.requires_grad else None,
    )


DIV = Op(
    name="/",
    symbol="÷",
    text="{a}/{b}",
    precedence=MULTIPLICATIVE,
    formulas=("1/b", "−a/b²"),
    arity=2,
    scalar=_div_scalar,
    forward=_div_forward,
    vjp=_div_vjp,
    parser="operator",
    local_ops=_div_local_ops,
    vjp_ops=_div_vjp_ops,
    parenthesize_ties=(1,),
)


# -------------------------------------------------------------------------------- a ** b
def _pow_scalar(a: float, b: float) -> tuple[float, tuple[float, float]]:
    out = pow_(a, b)
    # d(a^b)/da = b·a^(b−1) (0 when b = 0, even at a = 0, as PyTorch), d(a^b)/db = a^b·ln(a)
    return out, (b * pow_(a, b - 1.0) if b else 0.0, pow_exponent_grad(a, b, out))


def _pow_forward(a: Array, b: Array) -> tuple[Any, None]:
    with _quiet(divide="ignore", invalid="ignore", over="ignore"):
        return np.power(a, b), None


def _pow_vjp(node: Any, g: Array) -> tuple:
    a, b = node.children
    x, y = a.data, b.data
    with _quiet(divide="ignore", invalid="ignore", over="ignore"):
        grad_a = grad_b = None
        if a.requires_grad:
            # d(a^b)/da = b·a^(b−1), taken as 0 where b = 0 (as PyTorch and Value: a^0 = 1
            # is constant, even at a = 0 where the formula gives 0·∞)
            local = y * np.power(x, y - 1)
            if not y.all():
                local = np.where(y == 0, 0.0, local)
            grad_a = unbroadcast(stop_at_zero(g, local), x.shape)
        if b.requires_grad:
            # d(a^b)/db = a^b·ln(a), taken as 0 where a = 0 and b ≥ 0 (as PyTorch)
            local = node.data * np.log(x)
            local = np.where((x == 0) & (y >= 0), 0.0, local).astype(node.data.dtype)
            grad_b = unbroadcast(stop_at_zero(g, local), y.shape)
    return grad_a, grad_b


def _pow_local_ops(node: Any) -> tuple:
    a, b = node.children
    # d(a^b)/da = b·a^(b−1): none when b = 0, even where a^(b−1) is inf or nan (as PyTorch)
    if b.data == 0:
        base: Any = None
    elif not b.requires_grad and b.data == 1:
        base = 1.0
    elif not b.requires_grad and b.data == 2:
        base = 2.0 * a  # = 2·a^1, exactly
    elif not b.requires_grad:
        base = b.data * a ** (b.data - 1.0)
    else:
        base = b * a ** (b - 1.0)
    # d(a^b)/db = a^b·ln(a): none where a = 0 and b ≥ 0 (as PyTorch)
    if a.data == 0 and b.data >= 0:
        exponent: Any = None
    else:
        exponent = node * (a.log() if a.requires_grad else a.log().data)
    return base, exponent


def _pow_vjp_ops(node: Any, g: Any) -> tuple:
    a, b = node.children
    x, y = a.data, b.data
    grad_a = grad_b = None
    with _quiet(divide="ignore", invalid="ignore", over="ignore"):
        if a.requires_grad:
            # b·a^(b−1) (2·a for a constant 2: the same numbers, a smaller graph), exactly 0
            # where b = 0, even against an inf or nan from above
            if not b.requires_grad and (y == 2).all():
                local = 2.0 * a
            else:
                exponent = b if b.requires_grad else y
                local = exponent * a ** (exponent - 1.0)
            grad_a = unbroadcast_ops(masked(g * local, y != 0), x.shape)
        if b.requires_grad:
            log_a: Any = a.log() if a.requires_grad else np.log(x)
            # a^b·ln(a), exactly 0 where a = 0 and b ≥ 0
            grad_b = unbroadcast_ops(masked(g * (node * log_a), ~((x == 0) & (y >= 0))), y.shape)
    return grad_a, grad_b


POW = Op(
    name="**",
    symbol="^",
    text="{a}^{b}",
    precedence=POWER,
    formulas=("b·a^(b−1)", "a^b·ln(a)"),
    arity=2,
    scalar=_pow_scalar,
    forward=_pow_forward,
    vjp=_pow_vjp,
    parser="operator",
    local_ops=_pow_local_ops,
    vjp_ops=_pow_vjp_ops,
    parenthesize_ties=(0, 1),
)


# ------------------------------------------------------------------------------------ −a
def _neg_scalar(a: float) -> tuple[float, tuple[float]]:
    return -a, (-1.0,)  # d(−a)/da = −1


def _neg_forward(a: Array) -> tuple[Any, None]:
    return -a, None


def _neg_vjp(node: Any, g: Array) -> tuple:
    return (-g,)  # d(−a)/da = −1


def _neg_vjp_ops(node: Any, g: Any) -> tuple:
    return (-g,)


NEG = Op(
    name="neg",
    symbol="−",
    text="−{a}",
    precedence=PREFIX,
    formulas=("−1",),
    scalar=_neg_scalar,
    forward=_neg_forward,
    vjp=_neg_vjp,
    parser="operator",
    local_ops=constant_locals,
    vjp_ops=_neg_vjp_ops,
)


# --------------------------------------------------------------------------------- a @ b
def _matmul_forward(a: Array, b: Array) -> tuple[Any, None]:
    return a @ b, None


def _in_layout_of(w: Array, left: Array, right: Array) -> Array:
    """left·right, stored column-major when `w` is (PyTorch's gradient layout contract).

    A weight matrix built as a transpose is column-major, its gradient xᵀ·g row-major; an
    optimizer adding one into the other in place would then read one of them across the
    grain (20–30× slower than in order for a 784×256 matrix). The product's values are
    the same either way: only where BLAS writes them changes.
    """
    if w.flags.c_contiguous or not w.flags.f_contiguous:
        return left @ right
    out = np.empty(w.shape, dtype=np.result_type(left, right), order="F")
    return np.matmul(left, right, out=out)


def _matmul_vjp(node: Any, g: Array) -> tuple:
    a, b = node.children
    x, w = a.data, b.data
    if x.ndim == 2 and w.ndim == 2:
        # out = x·w: ∂L/∂x = g·wᵀ, ∂L/∂w = xᵀ·g
        return (
            g @ w.T if a.requires_grad else None,
            _in_layout_of(w, x.T, g) if b.requires_grad else None,
        )
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


def _swap_last(t: Any) -> Any:
    axes = list(range(t.data.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return t.transpose(tuple(axes))


def _matmul_vjp_ops(node: Any, g: Any) -> tuple:
    a, b = node.children
    x, w = a.data, b.data
    if x.ndim == 2 and w.ndim == 2:  # ∂L/∂x = g·wᵀ, ∂L/∂w = xᵀ·g
        return (g @ b.T if a.requires_grad else None, a.T @ g if b.requires_grad else None)
    if x.ndim == 1 and w.ndim == 1:
        return (g * b if a.requires_grad else None, g * a if b.requires_grad else None)
    a2 = a.reshape(1, x.shape[0]) if x.ndim == 1 else a
    b2 = b.reshape(w.shape[0], 1) if w.ndim == 1 else b
    g2 = g.reshape((*g.data.shape[:-1], 1, g.data.shape[-1])) if x.ndim == 1 else g
    g2 = g2.reshape((*g2.data.shape, 1)) if w.ndim == 1 else g2
    grad_x = grad_w = None
    if a.requires_grad:
        grad_x = unbroadcast_ops(g2 @ _swap_last(b2), a2.data.shape).reshape(x.shape)
    if b.requires_grad:
        grad_w = unbroadcast_ops(_swap_last(a2) @ g2, b2.data.shape).reshape(w.shape)
    return grad_x, grad_w


MATMUL = Op(
    name="matmul",
    symbol="@",
    text="{a} @ {b}",
    precedence=MULTIPLICATIVE,
    formulas=("g·bᵀ", "aᵀ·g"),
    arity=2,
    forward=_matmul_forward,
    vjp=_matmul_vjp,
    vjp_ops=_matmul_vjp_ops,
)

RECORDS = (ADD, SUB, MUL, DIV, POW, NEG, MATMUL)
