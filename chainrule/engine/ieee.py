"""Float arithmetic with IEEE/PyTorch semantics for the scalar engine: never raises.

Python's float operators raise on division by zero and overflow, and ``(-8) ** (1/3)`` is a
complex number; these functions give the inf or nan that PyTorch (and NumPy) give instead.
"""

from __future__ import annotations

import math


def softmax_data(data: list[float]) -> tuple[list[float], float, float]:
    """Stable softmax of floats: the probabilities, the shift m = max x, and log Σ e^(x_j − m).

    The last two give log-softmax, x_i − m − log Σ e^(x_j − m), without a second pass. As
    NumPy and PyTorch compute it: a nan anywhere, or an infinite maximum (inf − inf is nan),
    makes every output nan.
    """
    top = max(data)
    if top != top or any(x != x for x in data):  # Python's max skips a nan after the first
        top = math.nan
    exps = [math.exp(x - top) for x in data]  # each in [0, 1], or nan
    total = math.fsum(exps)
    if total != total:
        return [math.nan] * len(data), top, math.nan
    return [e / total for e in exps], top, math.log(total)


def div(a: float, b: float) -> float:
    """a/b with IEEE semantics: ±inf or nan on division by zero instead of an exception."""
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _is_odd_integer(b: float) -> bool:
    return b.is_integer() and b % 2 == 1


def pow_(a: float, b: float) -> float:
    """a**b with IEEE/PyTorch semantics: never raises, never returns a complex number."""
    try:
        return math.pow(a, b)
    except OverflowError:
        return -math.inf if a < 0 and _is_odd_integer(b) else math.inf
    except ValueError:
        if a == 0:  # zero to a negative power
            return -math.inf if math.copysign(1.0, a) < 0 and _is_odd_integer(b) else math.inf
        return math.nan  # a negative base to a non-integer power


def pow_exponent_grad(a: float, b: float, out: float) -> float:
    """∂(a^b)/∂b = a^b·ln(a); 0 where a = 0 and b ≥ 0 (as PyTorch), nan for a < 0 or nan."""
    if a > 0:
        return out * math.log(a)
    if a == 0:
        return 0.0 if b >= 0 else out * -math.inf  # ln(0) = −∞
    return math.nan
