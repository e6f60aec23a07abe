"""Activation functions: relu, leaky_relu, sigmoid, tanh, gelu (exact, erf form), softplus.

All are computed so that no finite input overflows: sigmoid and softplus piecewise, tanh by
`math.tanh`/`numpy.tanh`, gelu from erfc.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from chainrule.engine.ops.elementwise import masked
from chainrule.engine.ops.record import CALL, Op, constant_locals, elementwise_vjp_ops
from chainrule.engine.ops.special import erfc
from chainrule.engine.ops.stop import stop_at_zero, zero_where

Array = np.ndarray
_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_quiet = np.errstate  # `with _quiet(...)` silences NumPy's warnings for IEEE results


# --------------------------------------------------------------------------- relu(a)
def _relu_scalar(a: float) -> tuple[float, tuple[float]]:
    # d relu(a)/da = 0 if a ≤ 0 else 1 (0 at 0, and 1 at nan, as PyTorch); nan stays nan
    return (0.0 if a <= 0 else a), (0.0 if a <= 0 else 1.0,)


def _relu_forward(a: Array) -> tuple[Any, None]:
    return np.maximum(a, 0), None


def _relu_vjp(node: Any, g: Array) -> tuple:
    # 0 where a ≤ 0, even for a nan or inf g (a zero local derivative stops it), else g
    return (zero_where(g, node.data <= 0),)


def _relu_vjp_ops(node: Any, g: Any) -> tuple:
    # exactly 0 where a ≤ 0, even against inf or nan; g at a nan a, as the first-order rule
    return (masked(g, ~(node.data <= 0)),)


RELU = Op(
    name="relu",
    symbol="ReLU",
    text="relu({a})",
    precedence=CALL,
    formulas=("1 if a > 0 else 0",),
    scalar=_relu_scalar,
    forward=_relu_forward,
    vjp=_relu_vjp,
    parser="call",
    local_ops=constant_locals,
    vjp_ops=_relu_vjp_ops,
)


# --------------------------------------------------------------------- leaky_relu(a)
def check_slope(slope: object) -> float:
    """The slope of leaky_relu as a float.

    Raises:
        TypeError: if `slope` is not a real number (a Value slope would record no edge).
    """
    if type(slope) is float:
        return slope
    if not isinstance(slope, numbers.Real):
        raise TypeError(f"leaky_relu slope must be a real number, got {type(slope).__name__}")
    return float(slope)


def _leaky_relu_scalar(a: float, slope: float) -> tuple[float, tuple[float]]:
    if a > 0:
        return a, (1.0,)  # d/da = 1 for a > 0
    return slope * a, (slope,)  # d/da = slope otherwise


def _leaky_relu_forward(a: Array, slope: float) -> tuple[Any, float]:
    return np.where(a > 0, a, slope * a), slope


def _leaky_relu_vjp(node: Any, g: Array) -> tuple:
    slope = node._saved
    a = node.children[0].data
    local = np.where(a > 0, 1.0, slope).astype(a.dtype, copy=False)  # 1 or slope
    return (stop_at_zero(g, local),)


def _leaky_relu_vjp_ops(node: Any, g: Any) -> tuple:
    a = node.children[0].data
    slope = node._saved
    product = g * np.where(a > 0, 1.0, slope).astype(a.dtype, copy=False)
    return (masked(product, a > 0) if slope == 0 else product,)


LEAKY_RELU = Op(
    name="leaky_relu",
    symbol="LeakyReLU",
    text="leaky_relu({a})",
    precedence=CALL,
    formulas=("1 if a > 0 else slope",),
    scalar=_leaky_relu_scalar,
    forward=_leaky_relu_forward,
    vjp=_leaky_relu_vjp,
    parser="call",
    options=("slope",),
    local_ops=constant_locals,
    vjp_ops=_leaky_relu_vjp_ops,
)


# ------------------------------------------------------------------------------ σ(a)
def sigmoid(a: float) -> float:
    """σ(a) = 1/(1 + e^−a) of a float, computed piecewise so that it never overflows."""
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _sigmoid_scalar(a: float) -> tuple[float, tuple[float]]:
    out = sigmoid(a)
    return out, (out * (1.0 - out),)  # dσ/da = σ(1 − σ)


def _sigmoid_array(a: Array) -> Array:
    # e^−a may overflow to inf, and 1/inf is the right 0
    with _quiet(over="ignore"):
        return 1.0 / (1.0 + np.exp(-a))


def _sigmoid_forward(a: Array) -> tuple[Any, None]:
    return _sigmoid_array(a), None


def _sigmoid_vjp(node: Any, g: Array) -> tuple:
    s = node.data
    return (g * (s * (1.0 - s)),)  # dσ/da = σ(1 − σ)


def _sigmoid_local_ops(node: Any) -> tuple:
    return (node * (1.0 - node),)  # σ(1 − σ), with σ the node itself


SIGMOID = Op(
    name="sigmoid",
    symbol="σ",
    text="σ({a})",
    precedence=CALL,
    formulas=("σ(a)·(1 − σ(a))",),
    scalar=_sigmoid_scalar,
    forward=_sigmoid_forward,
    vjp=_sigmoid_vjp,
    parser="call",
    local_ops=_sigmoid_local_ops,
    vjp_ops=elementwise_vjp_ops(_sigmoid_local_ops),
)


# --------------------------------------------------------------------------- tanh(a)
def _tanh_scalar(a: float) -> tuple[float, tuple[float]]:
    t = math.tanh(a)
    return t, (1.0 - t * t,)  # d tanh(a)/da = 1 − tanh²(a)


def _tanh_forward(a: Array) -> tuple[Any, None]:
    return np.tanh(a), None


def _tanh_vjp(node: Any, g: Array) -> tuple:
    t = node.data
    return (g * (1.0 - t * t),)  # d tanh(a)/da = 1 − tanh²(a)


def _tanh_local_ops(node: Any) -> tuple:
    return (1.0 - node * node,)  # 1 − tanh², with tanh the node itself


TANH = Op(
    name="tanh",
    symbol="tanh",
    text="tanh({a})",
    precedence=CALL,
    formulas=("1 − tanh²(a)",),
    scalar=_tanh_scalar,
    forward=_tanh_forward,
    vjp=_tanh_vjp,
    parser="call",
    local_ops=_tanh_local_ops,
    vjp_ops=elementwise_vjp_ops(_tanh_local_ops),
)


# --------------------------------------------------------------------------- gelu(a)
def _gelu_scalar(a: float) -> tuple[float, tuple[float]]:
    cdf = 0.5 * math.erfc(-a / _SQRT2)
    pdf = math.exp(-0.5 * a * a) * _INV_SQRT_2PI if not math.isinf(a) else 0.0
    # d(a·Φ(a))/da = Φ(a) + a·φ(a)
    return a * cdf, (cdf + a * pdf if pdf else cdf,)


def gelu_parts(a: Array) -> tuple[Array, Array]:
    """Φ(a) and the local derivative Φ(a) + a·φ(a) of exact GELU, elementwise.

    Φ(a) = erfc(−a/√2)/2, with φ the standard normal density.
    """
    with _quiet(invalid="ignore", over="ignore", divide="ignore"):
        cdf = (0.5 * erfc(-a / _SQRT2)).astype(a.dtype, copy=False)
        pdf = np.exp(-0.5 * a * a) * _INV_SQRT_2PI
        return cdf, cdf + np.nan_to_num(a * pdf, nan=0.0)


def _gelu_forward(a: Array) -> tuple[Any, Array]:
    cdf, local = gelu_parts(a)
    return a * cdf, local


def _gelu_vjp(node: Any, g: Array) -> tuple:
    return (g * node._saved,)  # Φ(a) + a·φ(a), saved by the forward pass


def normal_pdf_ops(a: Any) -> Any:
    """φ(a) = e^(−a²/2)/√(2π) from ops (Value or Tensor), in the float order of the forward
    pass; on Tensors 0 at ±inf with derivatives 0 there too (not 0·inf = nan)."""
    if isinstance(a.data, float) or np.isfinite(a.data).all():
        return (-0.5 * a * a).exp() * _INV_SQRT_2PI
    finite = np.isfinite(a.data)
    return masked(normal_pdf_ops(masked(a, finite)), finite)


def _gelu_local_ops(node: Any) -> tuple:
    a = node.children[0]
    # Φ(a) + a·φ(a); at ±inf φ is 0 and a·φ(a) would be nan
    if math.isinf(a.data):
        return (a.normal_cdf(),)
    return (a.normal_cdf() + a * normal_pdf_ops(a),)


def _gelu_vjp_ops(node: Any, g: Any) -> tuple:
    a = node.children[0]
    # Φ(a) + a·φ(a), with a·φ(a) as 0 at ±inf (its limit), taken at a finite stand-in
    # there so that its derivatives are 0 rather than nan
    finite = np.isfinite(a.data)
    stand_in = masked(a, finite)
    return (g * (a.normal_cdf() + stand_in * normal_pdf_ops(stand_in)),)


GELU = Op(
    name="gelu",
    symbol="GELU",
    text="gelu({a})",
    precedence=CALL,
    formulas=("Φ(a) + a·φ(a)",),
    scalar=_gelu_scalar,
    forward=_gelu_forward,
    vjp=_gelu_vjp,
    parser="call",
    local_ops=_gelu_local_ops,
    vjp_ops=_gelu_vjp_ops,
)


# ----------------------------------------------------------------------- softplus(a)
# softplus(a) = log(1 + e^a) = max(a, 0) + log(1 + e^−|a|): the exponent is never positive,
# so nothing overflows, and softplus(1000) is exactly 1000.
def _softplus_scalar(a: float) -> tuple[float, tuple[float]]:
    out = (a if a > 0 else 0.0) + math.log1p(math.exp(-abs(a)))
    return out, (sigmoid(a),)  # d softplus(a)/da = σ(a)


def _softplus_forward(a: Array) -> tuple[Any, None]:
    return np.maximum(a, 0) + np.log1p(np.exp(-np.abs(a))), None


def _softplus_vjp(node: Any, g: Array) -> tuple:
    return (g * _sigmoid_array(node.children[0].data),)  # d softplus(a)/da = σ(a)


def _softplus_local_ops(node: Any) -> tuple:
    return (node.children[0].sigmoid(),)  # d softplus(a)/da = σ(a)


SOFTPLUS = Op(
    name="softplus",
    symbol="softplus",
    text="softplus({a})",
    precedence=CALL,
    formulas=("σ(a)",),
    scalar=_softplus_scalar,
    forward=_softplus_forward,
    vjp=_softplus_vjp,
    parser="call",
    local_ops=_softplus_local_ops,
    vjp_ops=elementwise_vjp_ops(_softplus_local_ops),
)


# ------------------------------------------------------------------- Φ(a), the normal CDF
# GELU's derivative Φ(a) + a·φ(a) needs Φ as an op of its own, so that create_graph can
# differentiate it again (dΦ/da = φ(a)).
def _normal_cdf_scalar(a: float) -> tuple[float, tuple[float]]:
    pdf = math.exp(-0.5 * a * a) * _INV_SQRT_2PI if not math.isinf(a) else 0.0
    return 0.5 * math.erfc(-a / _SQRT2), (pdf,)  # dΦ(a)/da = φ(a)


def _normal_cdf_forward(a: Array) -> tuple[Any, None]:
    with _quiet(invalid="ignore", over="ignore"):
        return (0.5 * erfc(-a / _SQRT2)).astype(a.dtype, copy=False), None


def _normal_cdf_vjp(node: Any, g: Array) -> tuple:
    a = node.children[0].data
    with _quiet(over="ignore", invalid="ignore"):
        return (g * (np.exp(-0.5 * a * a) * _INV_SQRT_2PI),)


def _normal_cdf_local_ops(node: Any) -> tuple:
    a = node.children[0]
    return (None if math.isinf(a.data) else normal_pdf_ops(a),)


def _normal_cdf_vjp_ops(node: Any, g: Any) -> tuple:
    return (g * normal_pdf_ops(node.children[0]),)


NORMAL_CDF = Op(
    name="normal_cdf",
    symbol="Φ",
    text="Φ({a})",
    precedence=CALL,
    formulas=("φ(a)",),
    scalar=_normal_cdf_scalar,
    forward=_normal_cdf_forward,
    vjp=_normal_cdf_vjp,
    parser="call",
    local_ops=_normal_cdf_local_ops,
    vjp_ops=_normal_cdf_vjp_ops,
)

RECORDS = (RELU, LEAKY_RELU, SIGMOID, TANH, GELU, SOFTPLUS, NORMAL_CDF)
