"""`Value`: a scalar that records the computational graph, one primitive op at a time.

Every op computes its result *and* its local derivatives ∂out/∂operand right away and stores
them as data (`children`, `local_grads`). Backward is then the same loop for every op,
``child.grad += local * node.grad``, and a diagram can print each edge's local derivative
without re-deriving it. No closures are stored, so graphs have no reference cycles and are
freed by reference counting alone.

Speed and memory: a node keeps its (at most two) operands and their local derivatives in
four slots rather than two tuples, so each op allocates one garbage-collected object, not
three; the collector's work per op halves. Ops with more operands (softmax over a list)
store the tuples themselves, marked by `_MANY` in the second slot.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Union

from chainrule.engine import graph, ieee
from chainrule.engine.mode import MODE

Number = Union[int, float]
Operand = Union["Value", int, float]

_INF = math.inf
_NAN = math.nan
_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)

_new = object.__new__
_MANY = graph.MANY  # in `_b`: the node's operands are the tuple in `_a`
_serial = graph.next_serial


class Value:
    """A scalar in a computational graph.

    Args:
        data: the number (stored as a float).
        label: an optional name shown in diagrams and messages (``"θ1"``).
        requires_grad: whether `backward` computes ∂root/∂self into `grad`.

    Attributes:
        data: the forward value.
        grad: the gradient after `backward` (0.0 before).
        op: the op that produced this value; ``""`` for a leaf.
        children: the operands, in order (``a*a`` keeps both).
        local_grads: ∂self/∂children[i], computed in the forward pass.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + a
    >>> c.backward()
    >>> c.data, a.grad, b.grad
    (-4.0, -2.0, 2.0)
    """

    __slots__ = (
        "data",
        "grad",
        "label",
        "op",
        "_a",  # first operand, None for a leaf; the tuple of all operands when _b is _MANY
        "_b",  # second operand, None for a unary op, _MANY for an op on a list
        "_la",  # ∂self/∂_a (the tuple of all local derivatives when _b is _MANY)
        "_lb",  # ∂self/∂_b
        "requires_grad",
        "_serial",
        "_mark",
        "__weakref__",  # caches and observers may hold a Value weakly, as a torch tensor
    )
    __array_ufunc__ = None  # numpy scalars defer to Value's reflected operators

    data: float
    grad: float
    label: str | None
    op: str
    _a: Any
    _b: Any
    _la: Any
    _lb: Any
    requires_grad: bool
    _serial: int  # creation order (graph.next_serial): a valid topological order
    _mark: object  # the token of the last backward pass that reached this node

    def __init__(
        self, data: Number, *, label: str | None = None, requires_grad: bool = True
    ) -> None:
        if isinstance(data, Value) or not isinstance(data, numbers.Real):
            raise TypeError(f"Value() takes a real number, got {type(data).__name__}")
        if label is not None and not isinstance(label, str):
            raise TypeError(f"label must be a str or None, got {type(label).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self.op = ""
        self._a = self._b = self._la = self._lb = None
        self.requires_grad = bool(requires_grad)
        self._serial = _serial()
        self._mark = None

    # ----------------------------------------------------------------- representation
    def __repr__(self) -> str:
        parts = [f"{self.data:.6g}"]
        if self.label is not None:
            parts.append(f"label={self.label!r}")
        if self.op:
            parts.append(f"op={self.op!r}")
        if self.requires_grad:
            parts.append(f"grad={float(self.grad):.6g}")
        return f"Value({', '.join(parts)})"

    def item(self) -> float:
        """Return the value as a Python float."""
        return self.data

    def __float__(self) -> float:
        return self.data

    @property
    def is_leaf(self) -> bool:
        """True for values not produced by an op (inputs, parameters, constants)."""
        return self._a is None

    @property
    def children(self) -> tuple[Value, ...]:
        """The operands, in order (``a*a`` keeps both); ``()`` for a leaf."""
        b = self._b
        if b is None:
            return () if self._a is None else (self._a,)
        return self._a if b is _MANY else (self._a, b)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """∂self/∂children[i], computed in the forward pass."""
        b = self._b
        if b is None:
            return () if self._a is None else (self._la,)
        return self._la if b is _MANY else (self._la, self._lb)

    @local_grads.setter
    def local_grads(self, values: tuple[float, ...]) -> None:
        # Replacing the derivatives is how tests plant a wrong one for gradcheck to find.
        if len(values) != len(self.children):
            raise ValueError(f"{len(self.children)} local gradients expected, got {len(values)}")
        _set_edges(self, self.children, tuple(values))

    def detach(self) -> Value:
        """Return a new leaf with the same data that does not require grad."""
        return Value(self.data, label=self.label, requires_grad=False)

    def zero_grad(self) -> None:
        """Reset this value's own gradient to 0."""
        self.grad = 0.0

    # ------------------------------------------------------------- arithmetic operators
    def __add__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _constant(other)  # type: ignore[assignment]
            if other is NotImplemented:
                return NotImplemented
        out = _new(Value)
        out.data = self.data + other.data
        out.grad = 0.0
        out.label = None
        out._serial = _serial()
        out._mark = None
        if MODE.plain:  # the common case, inline for speed
            out.op = "+"
            out._a = self
            out._b = other
            out._la = out._lb = 1.0  # d(a+b)/da = 1, d(a+b)/db = 1
            out.requires_grad = self.requires_grad or other.requires_grad
            return out
        return _record(out, "+", (self, other), (1.0, 1.0))

    def __radd__(self, other: Number) -> Value:
        left = _constant(other)
        return NotImplemented if left is NotImplemented else left.__add__(self)

    def __sub__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _constant(other)  # type: ignore[assignment]
            if other is NotImplemented:
                return NotImplemented
        # d(a−b)/da = 1, d(a−b)/db = −1
        return _result(
            self.data - other.data,
            "-",
            (self, other),
            (1.0, -1.0),
            self.requires_grad or other.requires_grad,
        )

    def __rsub__(self, other: Number) -> Value:
        left = _constant(other)
        return NotImplemented if left is NotImplemented else left.__sub__(self)

    def __mul__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _constant(other)  # type: ignore[assignment]
            if other is NotImplemented:
                return NotImplemented
        a = self.data
        b = other.data
        out = _new(Value)
        out.data = a * b
        out.grad = 0.0
        out.label = None
        out._serial = _serial()
        out._mark = None
        if MODE.plain:  # the common case, inline for speed
            out.op = "*"
            out._a = self
            out._b = other
            out._la = b  # d(a·b)/da = b
            out._lb = a  # d(a·b)/db = a
            out.requires_grad = self.requires_grad or other.requires_grad
            return out
        return _record(out, "*", (self, other), (b, a))

    def __rmul__(self, other: Number) -> Value:
        left = _constant(other)
        return NotImplemented if left is NotImplemented else left.__mul__(self)

    def __truediv__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _constant(other)  # type: ignore[assignment]
            if other is NotImplemented:
                return NotImplemented
        a = self.data
        b = other.data
        inv_b = ieee.div(1.0, b)
        # d(a/b)/da = 1/b, d(a/b)/db = −a/b²
        return _result(
            ieee.div(a, b),
            "/",
            (self, other),
            (inv_b, -a * inv_b * inv_b),
            self.requires_grad or other.requires_grad,
        )

    def __rtruediv__(self, other: Number) -> Value:
        left = _constant(other)
        return NotImplemented if left is NotImplemented else left.__truediv__(self)

    def __pow__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _constant(other)  # type: ignore[assignment]
            if other is NotImplemented:
                return NotImplemented
        a = self.data
        b = other.data
        out = ieee.pow_(a, b)
        # d(a^b)/da = b·a^(b−1) (0 when b = 0, even at a = 0, as PyTorch), d(a^b)/db = a^b·ln(a)
        return _result(
            out,
            "**",
            (self, other),
            (b * ieee.pow_(a, b - 1.0) if b else 0.0, ieee.pow_exponent_grad(a, b, out)),
            self.requires_grad or other.requires_grad,
        )

    def __rpow__(self, other: Number) -> Value:
        left = _constant(other)
        return NotImplemented if left is NotImplemented else left.__pow__(self)

    def __neg__(self) -> Value:
        # d(−a)/da = −1
        return _result(-self.data, "neg", (self,), (-1.0,), self.requires_grad)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return self.abs()

    # Comparisons read the data, as `float` would; equality stays identity so that Values
    # can be set members and dict keys (the graph walks rely on it).
    def __lt__(self, other: Operand) -> bool:
        return self.data < _number(other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= _number(other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > _number(other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _number(other)

    __hash__ = object.__hash__

    # ------------------------------------------------------------------- unary functions
    def abs(self) -> Value:
        """|a|; its derivative is sign(a), 0 at 0 (as PyTorch)."""
        a = self.data
        sign = 1.0 if a > 0 else (-1.0 if a < 0 else 0.0)
        return _result(abs(a), "abs", (self,), (sign,), self.requires_grad)

    def exp(self) -> Value:
        """e^a; overflows to inf, never raises."""
        try:
            out = math.exp(self.data)
        except OverflowError:
            out = _INF
        # d(e^a)/da = e^a
        return _result(out, "exp", (self,), (out,), self.requires_grad)

    def log(self) -> Value:
        """Natural logarithm: −inf at 0, nan below 0 (IEEE)."""
        a = self.data
        if a > 0:
            out = math.log(a)
        else:
            out = -_INF if a == 0 else _NAN
        # d(ln a)/da = 1/a
        return _result(out, "log", (self,), (ieee.div(1.0, a),), self.requires_grad)

    def sqrt(self) -> Value:
        """Square root: nan below 0; the derivative is inf at 0."""
        a = self.data
        out = math.sqrt(a) if a >= 0 else _NAN
        # d(√a)/da = 1/(2√a)
        return _result(out, "sqrt", (self,), (ieee.div(0.5, out),), self.requires_grad)

    def relu(self) -> Value:
        """max(0, a); the derivative at 0 is 0 (as PyTorch)."""
        a = self.data
        out = _new(Value)
        out.data = 0.0 if a <= 0 else a  # nan stays nan
        out.grad = 0.0
        out.label = None
        out._serial = _serial()
        out._mark = None
        local = 1.0 if a > 0 else 0.0  # d relu(a)/da = 1 if a > 0 else 0
        if MODE.plain:  # the common case, inline for speed
            out.op = "relu"
            out._a = self
            out._b = out._lb = None
            out._la = local
            out.requires_grad = self.requires_grad
            return out
        return _record(out, "relu", (self,), (local,))

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """a for a > 0, slope·a otherwise.

        Raises:
            TypeError: if `slope` is not a real number (a Value slope would record no edge).
        """
        if type(slope) is not float and (
            isinstance(slope, Value) or not isinstance(slope, numbers.Real)
        ):
            raise TypeError(f"leaky_relu slope must be a real number, got {type(slope).__name__}")
        a = self.data
        if a > 0:
            return _result(a, "leaky_relu", (self,), (1.0,), self.requires_grad)
        return _result(slope * a, "leaky_relu", (self,), (float(slope),), self.requires_grad)

    def sigmoid(self) -> Value:
        """σ(a) = 1/(1 + e^−a), computed piecewise so that it never overflows."""
        a = self.data
        if a >= 0:
            out = 1.0 / (1.0 + math.exp(-a))
        else:
            e = math.exp(a)
            out = e / (1.0 + e)
        # dσ/da = σ(1 − σ)
        return _result(out, "sigmoid", (self,), (out * (1.0 - out),), self.requires_grad)

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        t = math.tanh(self.data)
        out = _new(Value)
        out.data = t
        out.grad = 0.0
        out.label = None
        out._serial = _serial()
        out._mark = None
        if MODE.plain:  # the common case, inline for speed
            out.op = "tanh"
            out._a = self
            out._b = out._lb = None
            out._la = 1.0 - t * t  # d tanh(a)/da = 1 − tanh²(a)
            out.requires_grad = self.requires_grad
            return out
        return _record(out, "tanh", (self,), (1.0 - t * t,))

    def gelu(self) -> Value:
        """Exact GELU, a·Φ(a), with Φ the standard normal CDF (erf form)."""
        a = self.data
        cdf = 0.5 * math.erfc(-a / _SQRT2)
        pdf = math.exp(-0.5 * a * a) * _INV_SQRT_2PI if not math.isinf(a) else 0.0
        # d(a·Φ(a))/da = Φ(a) + a·φ(a)
        local = cdf + a * pdf if pdf else cdf
        return _result(a * cdf, "gelu", (self,), (local,), self.requires_grad)

    # ------------------------------------------------------------------------- backward
    def backward(self, grad: Any = 1.0, *, create_graph: bool = False) -> None:
        """Backpropagate from this value: ``grad`` is ∂root/∂root (1 by default).

        Leaves *accumulate* their gradients across calls, as in PyTorch; the gradients of
        intermediate values are recomputed for this pass. The walk is iterative, so graphs of
        any depth work.

        With ``create_graph=True`` every gradient of the pass is a `Value` with its own
        graph, so it can be differentiated again (see `chainrule.grad`).

        Raises:
            ValueError: if this value does not require grad.
        """
        if create_graph:
            from chainrule.engine import higher

            higher.backward(self, grad)
        else:
            graph.backward(self, grad)


# ------------------------------------------------------------------------------- helpers
def _result(
    data: float,
    op: str,
    children: tuple[Value, ...],
    local_grads: tuple[float, ...],
    requires_grad: bool,
) -> Value:
    """Make the output node of an op (the hot path: no `__init__`, no checks)."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = None
    out._serial = _serial()
    out._mark = None
    if MODE.plain:
        out.op = op
        _set_edges(out, children, local_grads)
        out.requires_grad = requires_grad
        return out
    return _record(out, op, children, local_grads)


def _record(
    out: Value, op: str, children: tuple[Value, ...], local_grads: tuple[float, ...]
) -> Value:
    """Finish an op's output node when not in the plain mode (no_grad or detect_anomaly)."""
    if MODE.anomaly:
        _check_forward(out.data, op, children)
    if MODE.grad_enabled:
        out.op = op
        _set_edges(out, children, local_grads)
        out.requires_grad = any(c.requires_grad for c in children)
    else:
        out.op = ""
        out._a = out._b = out._la = out._lb = None
        out.requires_grad = False
    return out


def _set_edges(out: Value, children: tuple[Value, ...], local_grads: tuple[float, ...]) -> None:
    """Store an op's operands and local derivatives in the node's four edge slots."""
    if len(children) == 1:
        out._a, out._la = children[0], local_grads[0]
        out._b = out._lb = None
    elif len(children) == 2:
        out._a, out._b = children
        out._la, out._lb = local_grads
    else:
        out._a, out._b, out._la, out._lb = children, _MANY, local_grads, None


def _check_forward(data: float, op: str, children: tuple[Value, ...]) -> None:
    if math.isfinite(data) or not all(math.isfinite(c.data) for c in children):
        return
    operands = ", ".join(
        f"{c.label or 'operand ' + str(i)}={c.data:g}" for i, c in enumerate(children)
    )
    word = "nan" if math.isnan(data) else "inf"
    raise FloatingPointError(f"{op} produced {word} from finite input (operands: {operands})")


def _constant(x: object) -> Value:
    """Wrap a number mixed into an op as a constant leaf; `NotImplemented` for anything else."""
    kind = type(x)
    if kind is float or kind is int or (isinstance(x, numbers.Real) and kind is not Value):
        constant = _new(Value)
        constant.data = x if kind is float else float(x)  # type: ignore[arg-type,assignment]
        constant.grad = 0.0
        constant.label = None
        constant.op = ""
        constant._a = constant._b = constant._la = constant._lb = None
        constant.requires_grad = False
        constant._serial = _serial()
        constant._mark = None
        return constant
    return NotImplemented


def _number(x: object) -> float:
    if isinstance(x, Value):
        return x.data
    if isinstance(x, numbers.Real):
        return float(x)
    raise TypeError(f"cannot compare Value with {type(x).__name__}")
