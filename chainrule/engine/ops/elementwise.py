"""Elementwise functions: abs, exp, log, sqrt, sin, cos.

Out of a function's domain the result is IEEE nan or inf, as PyTorch and NumPy give, never
an exception (``log(-1)`` is nan, ``exp(1000)`` is inf, ``sin(inf)`` is nan), and the array
rules do not warn about it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.engine.ieee import div
from chainrule.engine.ops.record import CALL, Op, constant_locals, elementwise_vjp_ops
from chainrule.engine.ops.stop import stop_at_zero

Array = np.ndarray
_INF = math.inf
_NAN = math.nan
_quiet = np.errstate  # `with _quiet(...)` silences NumPy's warnings for IEEE results


# -------------------------------------------------------------------------------- |a|
def _abs_scalar(a: float) -> tuple[float, tuple[float]]:
    sign = 1.0 if a > 0 else (-1.0 if a < 0 else 0.0)
    return abs(a), (sign,)  # d|a|/da = sign(a), 0 at 0 (as PyTorch)


def _abs_forward(a: Array) -> tuple[Any, None]:
    return np.abs(a), None


def _abs_vjp(node: Any, g: Array) -> tuple:
    a = node.children[0].data
    # d|a|/da = sign(a): 0 at 0 (stopping a nan or inf g) and at nan, as Value and PyTorch
    sign = np.where(a > 0, 1.0, np.where(a < 0, -1.0, 0.0)).astype(a.dtype, copy=False)
    return (stop_at_zero(g, sign),)


def _abs_vjp_ops(node: Any, g: Any) -> tuple:
    sign = np.sign(node.children[0].data)
    return (masked(g * sign, sign != 0),)  # sign(a), exactly 0 at 0


ABS = Op(
    name="abs",
    symbol="abs",
    text="|{a}|",
    precedence=CALL,
    formulas=("sign(a)",),
    scalar=_abs_scalar,
    forward=_abs_forward,
    vjp=_abs_vjp,
    parser="call",
    local_ops=constant_locals,
    vjp_ops=_abs_vjp_ops,
)


# -------------------------------------------------------------------------------- e^a
def _exp_scalar(a: float) -> tuple[float, tuple[float]]:
    try:
        out = math.exp(a)
    except OverflowError:
        out = _INF
    return out, (out,)  # d(e^a)/da = e^a


def _exp_forward(a: Array) -> tuple[Any, None]:
    with _quiet(over="ignore"):
        return np.exp(a), None


def _exp_vjp(node: Any, g: Array) -> tuple:
    return (g * node.data,)  # d(e^a)/da = e^a


def _exp_local_ops(node: Any) -> tuple:
    return (node,)  # d(e^a)/da = e^a, the node itself


EXP = Op(
    name="exp",
    symbol="exp",
    text="exp({a})",
    precedence=CALL,
    formulas=("exp(a)",),
    scalar=_exp_scalar,
    forward=_exp_forward,
    vjp=_exp_vjp,
    parser="call",
    local_ops=_exp_local_ops,
    vjp_ops=elementwise_vjp_ops(_exp_local_ops),
)


# ------------------------------------------------------------------------------- ln a
def _log_scalar(a: float) -> tuple[float, tuple[float]]:
    if a > 0:
        out = math.log(a)
    else:
        out = -_INF if a == 0 else _NAN
    return out, (div(1.0, a),)  # d(ln a)/da = 1/a


def _log_forward(a: Array) -> tuple[Any, None]:
    with _quiet(divide="ignore", invalid="ignore"):
        return np.log(a), None


def _log_vjp(node: Any, g: Array) -> tuple:
    with _quiet(divide="ignore", invalid="ignore"):
        return (g / node.children[0].data,)  # d(ln a)/da = 1/a


def _log_local_ops(node: Any) -> tuple:
    return (1.0 / node.children[0],)  # d(ln a)/da = 1/a


def _log_vjp_ops(node: Any, g: Any) -> tuple:
    return (g / node.children[0],)


LOG = Op(
    name="log",
    symbol="log",
    text="log({a})",
    precedence=CALL,
    formulas=("1/a",),
    scalar=_log_scalar,
    forward=_log_forward,
    vjp=_log_vjp,
    parser="call",
    local_ops=_log_local_ops,
    vjp_ops=_log_vjp_ops,
)


# -------------------------------------------------------------------------------- √a
def _sqrt_scalar(a: float) -> tuple[float, tuple[float]]:
    out = math.sqrt(a) if a >= 0 else _NAN
    return out, (div(0.5, out),)  # d(√a)/da = 1/(2√a), inf at 0


def _sqrt_forward(a: Array) -> tuple[Any, None]:
    with _quiet(invalid="ignore"):
        return np.sqrt(a), None


def _sqrt_vjp(node: Any, g: Array) -> tuple:
    with _quiet(divide="ignore", invalid="ignore"):
        return (g * (0.5 / node.data),)  # d(√a)/da = 1/(2√a)


def _sqrt_local_ops(node: Any) -> tuple:
    return (0.5 / node,)  # d(√a)/da = 1/(2√a)


SQRT = Op(
    name="sqrt",
    symbol="√",
    text="√{a}",
    precedence=CALL,
    formulas=("1/(2√a)",),
    scalar=_sqrt_scalar,
    forward=_sqrt_forward,
    vjp=_sqrt_vjp,
    parser="call",
    local_ops=_sqrt_local_ops,
    vjp_ops=elementwise_vjp_ops(_sqrt_local_ops),
)


# ----------------------------------------------------------------------- sin a, cos a
def _sin_scalar(a: float) -> tuple[float, tuple[float]]:
    if math.isinf(a):  # math.sin raises there; IEEE and PyTorch give nan
        return _NAN, (_NAN,)
    return math.sin(a), (math.cos(a),)  # d sin(a)/da = cos(a)


def _sin_forward(a: Array) -> tuple[Any, None]:
    with _quiet(invalid="ignore"):
        return np.sin(a), None


def _sin_vjp(node: Any, g: Array) -> tuple:
    with _quiet(invalid="ignore"):
        return (g * np.cos(node.children[0].data),)  # d sin(a)/da = cos(a)


def _sin_local_ops(node: Any) -> tuple:
    return (node.children[0].cos(),)  # d sin(a)/da = cos(a)


SIN = Op(
    name="sin",
    symbol="sin",
    text="sin({a})",
    precedence=CALL,
    formulas=("cos(a)",),
    scalar=_sin_scalar,
    forward=_sin_forward,
    vjp=_sin_vjp,
    parser="call",
    local_ops=_sin_local_ops,
    vjp_ops=elementwise_vjp_ops(_sin_local_ops),
)


def _cos_scalar(a: float) -> tuple[float, tuple[float]]:
    if math.isinf(a):  # math.cos raises there; IEEE and PyTorch give nan
        return _NAN, (_NAN,)
    return math.cos(a), (-math.sin(a),)  # d cos(a)/da = −sin(a)


def _cos_forward(a: Array) -> tuple[Any, None]:
    with _quiet(invalid="ignore"):
        return np.cos(a), None


def _cos_vjp(node: Any, g: Array) -> tuple:
    with _quiet(invalid="ignore"):
        return (g * -np.sin(node.children[0].data),)  # d cos(a)/da = −sin(a)


def _cos_local_ops(node: Any) -> tuple:
    return (-node.children[0].sin(),)  # d cos(a)/da = −sin(a)


COS = Op(
    name="cos",
    symbol="cos",
    text="cos({a})",
    precedence=CALL,
    formulas=("−sin(a)",),
    scalar=_cos_scalar,
    forward=_cos_forward,
    vjp=_cos_vjp,
    parser="call",
    local_ops=_cos_local_ops,
    vjp_ops=elementwise_vjp_ops(_cos_local_ops),
)


# ---------------------------------------------------------- mask: g where a condition holds
# Not an op of any formula: the vector-Jacobian products of relu, |a|, max and a**0 are built
# with it for create_graph, so that a zero derivative sends exactly 0 (where a product with
# 0 would turn an inf or nan from above into nan), as PyTorch's `where`.
def _mask_forward(a: Array, keep: Array) -> tuple[Any, Array]:
    keep = np.broadcast_to(keep, a.shape)
    return np.where(keep, a, np.zeros((), dtype=a.dtype)), keep


def _mask_vjp(node: Any, g: Array) -> tuple:
    return (np.where(node._saved, g, np.zeros((), dtype=g.dtype)),)  # 1 where kept, else 0


def _mask_vjp_ops(node: Any, g: Any) -> tuple:
    return (g._apply(MASK, node._saved),)


MASK = Op(
    name="mask",
    symbol="mask",
    text="mask({a})",
    precedence=CALL,
    formulas=("1 where kept, else 0",),
    forward=_mask_forward,
    vjp=_mask_vjp,
    vjp_ops=_mask_vjp_ops,
)


def masked(g: Any, keep: Array) -> Any:
    """g (a Tensor) where `keep` holds, exactly 0 elsewhere; g itself when all is kept."""
    return g if keep.all() else g._apply(MASK, keep)


RECORDS = (ABS, EXP, LOG, SQRT, SIN, COS, MASK)
