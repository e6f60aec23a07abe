"""Each scalar op's local derivatives built from ops, so that a gradient can be differentiated.

`backward(create_graph=True)` multiplies these instead of the floats an op stored in its
forward pass: ∂tanh(a)/∂a becomes the Value ``1 − out·out`` (out the tanh node itself), whose
own graph leads back to `a`. A rule returns one entry per operand:

- a `Value` when the derivative depends on the operands (``b`` for ∂(a·b)/∂a);
- a float when it is a constant (the op's stored local derivative: 1 for ``+``, the slope of
  leaky_relu), its derivative being 0;
- None when it is a constant 0 (relu at a ≤ 0, ``a**0``): that edge carries nothing, so a
  nan or inf from above stops there, as in PyTorch.

Every rule repeats the float arithmetic of the forward pass's local derivative in the same
order, so the first derivatives of both paths are the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Union

from chainrule.engine.value import Value, _result

Local = Union[Value, float, None]
Rule = Callable[[Value], tuple[Local, ...]]

_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def constant_locals(node: Value) -> tuple[Local, ...]:
    """The stored local derivatives, for ops whose derivative is piecewise constant."""
    return tuple(None if local == 0 else local for local in node.local_grads)


def normal_cdf(a: Value) -> Value:
    """Φ(a), the standard normal CDF, as a node: GELU's derivative Φ(a) + a·φ(a) needs it."""
    x = a.data
    # dΦ(a)/da = φ(a) = e^(−a²/2)/√(2π)
    pdf = math.exp(-0.5 * x * x) * _INV_SQRT_2PI if not math.isinf(x) else 0.0
    return _result(0.5 * math.erfc(-x / _SQRT2), "normal_cdf", (a,), (pdf,), a.requires_grad)


def _normal_pdf(a: Value) -> Value:
    return (-0.5 * a * a).exp() * _INV_SQRT_2PI  # the float order of the forward pass


def _mul(node: Value) -> tuple[Local, ...]:
    a, b = node.children
    return (b, a)  # d(a·b)/da = b, d(a·b)/db = a


def _div(node: Value) -> tuple[Local, ...]:
    a, b = node.children
    inv_b = 1.0 / b
    return (inv_b, -a * inv_b * inv_b)  # d(a/b)/da = 1/b, d(a/b)/db = −a/b²


def _pow(node: Value) -> tuple[Local, ...]:
    a, b = node.children
    # d(a^b)/da = b·a^(b−1): 0 when b = 0, even where a^(b−1) is inf or nan (as PyTorch)
    if b.data == 0:
        base: Local = None
    elif not b.requires_grad and b.data == 1:
        base = 1.0
    elif not b.requires_grad and b.data == 2:
        base = 2.0 * a  # = 2·a^1 exactly
    elif not b.requires_grad:
        base = b.data * a ** (b.data - 1.0)
    else:
        base = b * a ** (b - 1.0)
    # d(a^b)/db = a^b·ln(a): 0 where a = 0 and b ≥ 0 (as PyTorch)
    if a.data == 0 and b.data >= 0:
        exponent: Local = None
    else:
        exponent = node * (a.log() if a.requires_grad else a.log().data)
    return (base, exponent)


def _exp(node: Value) -> tuple[Local, ...]:
    return (node,)  # d(e^a)/da = e^a


def _log(node: Value) -> tuple[Local, ...]:
    return (1.0 / node.children[0],)  # d(ln a)/da = 1/a


def _sqrt(node: Value) -> tuple[Local, ...]:
    return (0.5 / node,)  # d(√a)/da = 1/(2√a)


def _sigmoid(node: Value) -> tuple[Local, ...]:
    return (node * (1.0 - node),)  # dσ/da = σ(1 − σ)


def _tanh(node: Value) -> tuple[Local, ...]:
    return (1.0 - node * node,)  # d tanh(a)/da = 1 − tanh²(a)


def _gelu(node: Value) -> tuple[Local, ...]:
    a = node.children[0]
    # d(a·Φ(a))/da = Φ(a) + a·φ(a); at ±inf φ is 0 and a·φ(a) would be nan
    if math.isinf(a.data):
        return (normal_cdf(a),)
    return (normal_cdf(a) + a * _normal_pdf(a),)


def _normal_cdf(node: Value) -> tuple[Local, ...]:
    a = node.children[0]
    return (None if math.isinf(a.data) else _normal_pdf(a),)  # dΦ/da = φ(a)


#: Op name → its rule. Ops with constant local derivatives read the stored floats.
RULES: dict[str, Rule] = {
    "+": constant_locals,
    "-": constant_locals,
    "neg": constant_locals,
    "abs": constant_locals,
    "relu": constant_locals,
    "leaky_relu": constant_locals,
    "*": _mul,
    "/": _div,
    "**": _pow,
    "exp": _exp,
    "log": _log,
    "sqrt": _sqrt,
    "sigmoid": _sigmoid,
    "tanh": _tanh,
    "gelu": _gelu,
    "normal_cdf": _normal_cdf,
}


def local_derivatives(node: Value, softmax_cache: dict[Any, list[Value]]) -> tuple[Local, ...]:
    """∂node/∂children[i] built from ops, one entry per operand (see the module's doc).

    Raises:
        NotImplementedError: for an op with no rule (its derivative cannot be differentiated).
    """
    rule = RULES.get(node.op)
    if rule is not None:
        return rule(node)
    if node.op in ("softmax", "log_softmax"):
        return _softmax_locals(node, softmax_cache)
    raise NotImplementedError(f"create_graph: no derivative rule for op {node.op!r}")


def _softmax_locals(node: Value, cache: dict[Any, list[Value]]) -> tuple[Local, ...]:
    """∂s_i/∂x_j = s_i(δ_ij − s_j), ∂log s_i/∂x_j = δ_ij − s_j, with s the softmax of the
    operands rebuilt once per pass as Values (shared by every output of one softmax)."""
    from chainrule.engine.value_softmax import softmax

    children = node.children
    key = tuple(id(c) for c in children)
    probabilities = cache.get(key)
    if probabilities is None:
        probabilities = cache[key] = softmax(list(children))
    i = _output_index(node)
    if node.op == "log_softmax":
        return tuple((1.0 - s) if j == i else -s for j, s in enumerate(probabilities))
    s_i = probabilities[i]
    return tuple(s_i * (1.0 - s) if j == i else s_i * -s for j, s in enumerate(probabilities))


def _output_index(node: Value) -> int:
    """Which output of its softmax the node is: its diagonal local derivative is the one
    that is not ≤ 0 (s_i(1 − s_i) ≥ 0 and −s_i·s_j ≤ 0), the first of equals otherwise."""
    index = getattr(node, "output_index", None)
    if index is not None:
        return int(index)
    locals_ = node.local_grads
    if node.op == "log_softmax":  # δ_ij − s_j: positive only on the diagonal (1 − s_i)
        best = max(range(len(locals_)), key=lambda j: locals_[j])
        return best
    best = max(range(len(locals_)), key=lambda j: locals_[j])
    return best
