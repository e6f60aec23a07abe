"""The shared table of engine ops for tests: how to build each op, where to test it, closed forms.

One row per op. `build` makes the op from Values or Tensors alike (numbers mixed in where the
row is about a constant operand); `value` and `grads` are the closed forms written with
`math`, independent of the engine; `points` include kinks approached to ±1e-3 and large
magnitudes; `domain` says where random tests may use the op (away from kinks and poles,
where finite differences hold). Which ops must have a row is derived from the op records
(tests/engine/test_op_records.py), and so is `BINARY_OPERATORS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import chainrule
from chainrule.engine.expr.whitelist import OPERATORS
from chainrule.engine.value import Value

SQRT2 = math.sqrt(2.0)


def _sigmoid(a: float) -> float:
    return 1.0 / (1.0 + math.exp(-a)) if a >= 0 else math.exp(a) / (1.0 + math.exp(a))


def _phi(a: float) -> float:  # the standard normal density
    return math.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi)


def _cdf(a: float) -> float:  # the standard normal CDF
    return 0.5 * math.erfc(-a / SQRT2)


def _softplus(a: float) -> float:  # log(1 + e^a) = a + log(1 + e^−a)
    return math.log1p(math.exp(a)) if a <= 0 else a + math.log1p(math.exp(-a))


def _everywhere(*xs: float) -> bool:
    return True


def _away_from_zero(*xs: float) -> bool:
    return all(abs(x) > 0.05 for x in xs)


@dataclass(frozen=True)
class OpCase:
    """One op: its builder from Values, closed forms, test points, and its safe domain."""

    name: str
    build: Callable[..., Value]
    value: Callable[..., float]
    grads: Callable[..., tuple[float, ...]]
    points: tuple[tuple[float, ...], ...]
    domain: Callable[..., bool] = _everywhere

    @property
    def arity(self) -> int:
        return len(self.points[0])

    def __str__(self) -> str:
        return self.name


OPS: tuple[OpCase, ...] = (
    OpCase(
        "add",
        lambda a, b: a + b,
        lambda a, b: a + b,
        lambda a, b: (1.0, 1.0),
        ((1.5, -2.0), (0.0, 0.0), (1e6, -3e-6)),
    ),
    OpCase("radd", lambda a: 2.5 + a, lambda a: 2.5 + a, lambda a: (1.0,), ((-1.0,), (3.0,))),
    OpCase(
        "sub",
        lambda a, b: a - b,
        lambda a, b: a - b,
        lambda a, b: (1.0, -1.0),
        ((1.5, -2.0), (-4.0, 7.25)),
    ),
    OpCase("rsub", lambda a: 2.0 - a, lambda a: 2.0 - a, lambda a: (-1.0,), ((0.5,), (-3.0,))),
    OpCase(
        "mul",
        lambda a, b: a * b,
        lambda a, b: a * b,
        lambda a, b: (b, a),
        ((1.5, -2.0), (0.0, 3.0), (1e3, 1e-3)),
    ),
    OpCase("rmul", lambda a: 3.0 * a, lambda a: 3.0 * a, lambda a: (3.0,), ((-1.0,), (2.0,))),
    OpCase(
        "div",
        lambda a, b: a / b,
        lambda a, b: a / b,
        lambda a, b: (1.0 / b, -a / (b * b)),
        ((1.0, 3.0), (-2.0, 0.5), (5.0, -1e-2)),
        lambda a, b: abs(b) > 0.3,
    ),
    OpCase(
        "rdiv",
        lambda a: 2.0 / a,
        lambda a: 2.0 / a,
        lambda a: (-2.0 / (a * a),),
        ((0.5,), (-4.0,)),
        lambda a: abs(a) > 0.5,
    ),
    OpCase(
        "pow_number",
        lambda a: a**3,
        lambda a: a**3,
        lambda a: (3.0 * a * a,),
        ((-2.0,), (0.5,), (1e-3,)),
        lambda a: abs(a) < 1.0,
    ),
    OpCase(
        "pow_fraction",
        lambda a: a**0.5,
        lambda a: a**0.5,
        lambda a: (0.5 * a**-0.5,),
        ((4.0,), (1e-2,)),
        lambda a: a > 0.1,
    ),
    OpCase(
        "pow_negative",
        lambda a: a**-1,
        lambda a: 1.0 / a,
        lambda a: (-1.0 / (a * a),),
        ((0.5,), (-3.0,)),
        lambda a: abs(a) > 0.5,
    ),
    OpCase(
        "rpow",
        lambda a: 2.0**a,
        lambda a: 2.0**a,
        lambda a: (2.0**a * math.log(2.0),),
        ((3.0,), (-1.5,), (0.0,)),
        lambda a: a < 1.5,
    ),
    OpCase(
        "pow_values",
        lambda a, b: a**b,
        lambda a, b: a**b,
        lambda a, b: (b * a ** (b - 1.0), a**b * math.log(a)),
        ((1.5, 2.2), (0.5, -1.3), (3.0, 0.0)),
        lambda a, b: 0.3 < a < 2.0 and abs(b) < 2.0,
    ),
    OpCase("neg", lambda a: -a, lambda a: -a, lambda a: (-1.0,), ((2.0,), (-1e-3,))),
    OpCase(
        "abs",
        lambda a: a.abs(),
        abs,
        lambda a: (math.copysign(1.0, a),),
        ((1e-3,), (-1e-3,), (-5.0,), (2.0,)),
        _away_from_zero,
    ),
    OpCase(
        "exp",
        lambda a: a.exp(),
        math.exp,
        lambda a: (math.exp(a),),
        ((0.0,), (-3.0,), (700.0,), (-700.0,)),
        lambda a: a < 1.0,
    ),
    OpCase(
        "log",
        lambda a: a.log(),
        math.log,
        lambda a: (1.0 / a,),
        ((1.0,), (1e-3,), (1e5,)),
        lambda a: a > 0.3,
    ),
    OpCase(
        "sqrt",
        lambda a: a.sqrt(),
        math.sqrt,
        lambda a: (0.5 / math.sqrt(a),),
        ((4.0,), (1e-2,), (1e6,)),
        lambda a: a > 0.1,
    ),
    OpCase(
        "sin",
        lambda a: a.sin(),
        math.sin,
        lambda a: (math.cos(a),),
        ((0.0,), (1.0,), (-2.5,), (100.0,)),
    ),
    OpCase(
        "cos",
        lambda a: a.cos(),
        math.cos,
        lambda a: (-math.sin(a),),
        ((0.0,), (1.0,), (-2.5,), (100.0,)),
    ),
    OpCase(
        "relu",
        lambda a: a.relu(),
        lambda a: max(a, 0.0),
        lambda a: (1.0 if a > 0 else 0.0,),
        ((1e-3,), (-1e-3,), (2.0,), (-7.0,)),
        _away_from_zero,
    ),
    OpCase(
        "leaky_relu",
        lambda a: a.leaky_relu(0.1),
        lambda a: a if a > 0 else 0.1 * a,
        lambda a: (1.0 if a > 0 else 0.1,),
        ((1e-3,), (-1e-3,), (2.0,), (-7.0,)),
        _away_from_zero,
    ),
    OpCase(
        "leaky_relu_default",
        lambda a: a.leaky_relu(),
        lambda a: a if a > 0 else 0.01 * a,
        lambda a: (1.0 if a > 0 else 0.01,),
        ((1e-3,), (-1e-3,), (-2.0,)),
        _away_from_zero,
    ),
    OpCase(
        "sigmoid",
        lambda a: a.sigmoid(),
        _sigmoid,
        lambda a: (_sigmoid(a) * (1.0 - _sigmoid(a)),),
        ((0.0,), (2.0,), (50.0,), (-50.0,)),
    ),
    OpCase(
        "tanh",
        lambda a: a.tanh(),
        math.tanh,
        lambda a: (1.0 - math.tanh(a) ** 2,),
        ((0.0,), (0.7,), (20.0,), (-20.0,)),
    ),
    OpCase(
        "gelu",
        lambda a: a.gelu(),
        lambda a: a * _cdf(a),
        lambda a: (_cdf(a) + a * _phi(a),),
        ((0.0,), (1.3,), (-0.7,), (10.0,), (-10.0,)),
    ),
    OpCase(
        "softplus",
        lambda a: a.softplus(),
        _softplus,
        lambda a: (_sigmoid(a),),
        ((0.0,), (2.0,), (-3.0,), (30.0,), (-30.0,), (1000.0,), (-1000.0,)),
    ),
    OpCase(
        "normal_cdf",
        lambda a: a.normal_cdf(),
        _cdf,
        lambda a: (_phi(a),),
        ((0.0,), (1.3,), (-0.7,), (10.0,), (-10.0,)),
    ),
    OpCase(
        "sum",
        lambda a, b, c: chainrule.sum([a, b, c]),
        lambda a, b, c: a + b + c,
        lambda a, b, c: (1.0, 1.0, 1.0),
        ((1.5, -2.0, 0.25), (0.0, 0.0, 0.0), (1e6, -3e-6, 7.0)),
    ),
    OpCase(
        "sum_constant",
        lambda a, b: chainrule.sum([a, 2.5, b]),
        lambda a, b: a + 2.5 + b,
        lambda a, b: (1.0, 1.0),
        ((1.0, -4.0), (0.0, 0.0)),
    ),
    OpCase(
        "dot",
        lambda a, b, c, d: chainrule.dot([a, b], [c, d]),
        lambda a, b, c, d: a * c + b * d,
        lambda a, b, c, d: (c, d, a, b),
        ((1.5, -2.0, 3.0, 0.5), (0.0, 1.0, 2.0, 0.0), (1e3, 1e-3, -1e-3, 4.0)),
    ),
    OpCase(
        "dot_shared",  # a on both sides, a number mixed in: a·b + 0.5·a
        lambda a, b: chainrule.dot([a, 0.5], [b, a]),
        lambda a, b: a * b + 0.5 * a,
        lambda a, b: (b + 0.5, a),
        ((2.0, -3.0), (0.0, 1.0)),
    ),
)

OP_NAMES = tuple(case.name for case in OPS)


def value_points() -> list[tuple[OpCase, tuple[float, ...]]]:
    """Every (op, point) pair of the table, for `pytest.mark.parametrize`."""
    return [(case, point) for case in OPS for point in case.points]


#: The binary operators Value and Tensor share, by their symbol (from the op records).
BINARY_OPERATORS: dict[str, Callable[[Any, Any], Any]] = dict(OPERATORS)
