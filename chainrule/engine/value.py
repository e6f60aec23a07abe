"""`Value`: a scalar that records the computational graph, one primitive op at a time.

Every op computes its result *and* its local derivatives ∂out/∂operand right away and stores
them as data (`children`, `local_grads`). Backward is then the same loop for every op,
``child.grad += local * node.grad``, and a diagram can print each edge's local derivative
without re-deriving it. No closures are stored, so graphs have no reference cycles and are
freed by reference counting alone.

What each op computes is its record's (`chainrule.engine.ops`): a method here is one line
that applies the record's scalar rule. The four most frequent ops (``+``, ``*``, relu and
tanh) are written out inline instead, which measurably speeds up building a graph; a test
holds each equal to its record (tests/engine/test_value.py).

Speed and memory: a node keeps its (at most two) operands and their local derivatives in
four slots rather than two tuples, so each op allocates one garbage-collected object, not
three; the collector's work per op halves. Ops over a list (softmax) store the tuples
themselves, marked by `MANY` in the second slot, and which output the node is in the fourth.
Only this module and `chainrule.engine.backward` read that layout.
"""

from __future__ import annotations

import functools
import math
import numbers
import operator
from collections.abc import Iterable, Sequence
from typing import Any, Union

from chainrule.engine.backward import MANY as _MANY
from chainrule.engine.backward import backward as _backward
from chainrule.engine.graph import next_serial
from chainrule.engine.higher import backward as graph_backward
from chainrule.engine.mode import MODE, recording
from chainrule.engine.ops import (
    ABS,
    ADD,
    COS,
    DIV,
    DOT,
    EXP,
    GELU,
    LEAKY_RELU,
    LOG,
    LOG_SOFTMAX,
    MUL,
    NEG,
    NORMAL_CDF,
    POW,
    RELU,
    SIGMOID,
    SIN,
    SOFTMAX,
    SOFTPLUS,
    SQRT,
    SUB,
    SUM,
    TANH,
    Op,
)
from chainrule.engine.ops.activations import check_slope

Number = Union[int, float]
Operand = Union["Value", int, float]

_new = object.__new__
_serial = next_serial


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
        "_lb",  # ∂self/∂_b (when _b is _MANY: which output of its op the node is, or None)
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
        _set_edges(self, self.children, tuple(values), self.output_index)

    @property
    def output_index(self) -> int | None:
        """Which output of its op this value is, for an op with one output per operand.

        ``softmax([x0, x1])[1].output_index`` is 1; None for every other value.
        """
        return self._lb if self._b is _MANY else None

    def detach(self) -> Value:
        """Return a new leaf with the same data that does not require grad."""
        return Value(self.data, label=self.label, requires_grad=False)

    def zero_grad(self) -> None:
        """Reset this value's own gradient to 0."""
        self.grad = 0.0

    def _apply(self, op: Op, *options: Any) -> Value:
        """Apply a one-operand op by its record (the derivative rules of ``ops`` reach the ops
        that only derivatives use, such as Φ, through this)."""
        return _unary(op, self, *options)

    # ------------------------------------------------------------- arithmetic operators
    def __add__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _constant(other)  # type: ignore[assignment]
            if other is NotImplemented:
                return NotImplemented
        if not MODE.plain:
            return _binary(ADD, self, other)
        # The common case, inline for speed: ADD's scalar rule, written out.
        out = _new(Value)
        out.data = self.data + other.data
        out.grad = 0.0
        out.label = None
        out._serial = _serial()
        out._mark = None
        out.op = "+"
        out._a = self
        out._b = other
        out._la = out._lb = 1.0  # d(a+b)/da = 1, d(a+b)/db = 1
        out.requires_grad = self.requires_grad or other.requires_grad
        return out

    def __radd__(self, other: Number) -> Value:
        return _reflected(Value.__add__, other, self)

    def __sub__(self, other: Operand) -> Value:
        return _binary(SUB, self, other)

    def __rsub__(self, other: Number) -> Value:
        return _reflected(Value.__sub__, other, self)

    def __mul__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _constant(other)  # type: ignore[assignment]
            if other is NotImplemented:
                return NotImplemented
        if not MODE.plain:
            return _binary(MUL, self, other)
        # The common case, inline for speed: MUL's scalar rule, written out.
        a = self.data
        b = other.data
        out = _new(Value)
        out.data = a * b
        out.grad = 0.0
        out.label = None
        out._serial = _serial()
        out._mark = None
        out.op = "*"
        out._a = self
        out._b = other
        out._la = b  # d(a·b)/da = b
        out._lb = a  # d(a·b)/db = a
        out.requires_grad = self.requires_grad or other.requires_grad
        return out

    def __rmul__(self, other: Number) -> Value:
        return _reflected(Value.__mul__, other, self)

    def __truediv__(self, other: Operand) -> Value:
        return _binary(DIV, self, other)

    def __rtruediv__(self, other: Number) -> Value:
        return _reflected(Value.__truediv__, other, self)

    def __pow__(self, other: Operand) -> Value:
        return _binary(POW, self, other)

    def __rpow__(self, other: Number) -> Value:
        return _reflected(Value.__pow__, other, self)

    def __neg__(self) -> Value:
        return _unary(NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _unary(ABS, self)

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
        return _unary(ABS, self)

    def exp(self) -> Value:
        """e^a; overflows to inf, never raises."""
        return _unary(EXP, self)

    def log(self) -> Value:
        """Natural logarithm: −inf at 0, nan below 0 (IEEE)."""
        return _unary(LOG, self)

    def sqrt(self) -> Value:
        """Square root: nan below 0; the derivative is inf at 0."""
        return _unary(SQRT, self)

    def sin(self) -> Value:
        """Sine (of radians); nan at ±inf."""
        return _unary(SIN, self)

    def cos(self) -> Value:
        """Cosine (of radians); nan at ±inf."""
        return _unary(COS, self)

    def relu(self) -> Value:
        """max(0, a); the derivative at 0 is 0 (as PyTorch)."""
        if not MODE.plain:
            return _unary(RELU, self)
        # The common case, inline for speed: RELU's scalar rule, written out.
        a = self.data
        out = _new(Value)
        out.data = 0.0 if a <= 0 else a  # nan stays nan
        out.grad = 0.0
        out.label = None
        out._serial = _serial()
        out._mark = None
        out.op = "relu"
        out._a = self
        out._b = out._lb = None
        out._la = 0.0 if a <= 0 else 1.0  # d relu(a)/da = 0 if a ≤ 0 else 1 (1 at nan)
        out.requires_grad = self.requires_grad
        return out

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """a for a > 0, slope·a otherwise.

        Raises:
            TypeError: if `slope` is not a real number (a Value slope would record no edge).
        """
        return _unary(LEAKY_RELU, self, check_slope(slope))

    def sigmoid(self) -> Value:
        """σ(a) = 1/(1 + e^−a), computed piecewise so that it never overflows."""
        return _unary(SIGMOID, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        if not MODE.plain:
            return _unary(TANH, self)
        # The common case, inline for speed: TANH's scalar rule, written out.
        t = math.tanh(self.data)
        out = _new(Value)
        out.data = t
        out.grad = 0.0
        out.label = None
        out._serial = _serial()
        out._mark = None
        out.op = "tanh"
        out._a = self
        out._b = out._lb = None
        out._la = 1.0 - t * t  # d tanh(a)/da = 1 − tanh²(a)
        out.requires_grad = self.requires_grad
        return out

    def gelu(self) -> Value:
        """Exact GELU, a·Φ(a), with Φ the standard normal CDF (erf form)."""
        return _unary(GELU, self)

    def softplus(self) -> Value:
        """log(1 + e^a), computed so that it never overflows (softplus(1000) is 1000)."""
        return _unary(SOFTPLUS, self)

    def normal_cdf(self) -> Value:
        """Φ(a), the standard normal CDF (GELU's derivative Φ(a) + a·φ(a) is built on it)."""
        return _unary(NORMAL_CDF, self)

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
            graph_backward(self, grad)
        else:
            _backward(self, grad)


# ------------------------------------------------------------------------- over a list
def softmax(values: Sequence[Value | Number], axis: int = -1) -> Any:
    """Softmax over a list: s_i = e^(x_i − m) / Σ_j e^(x_j − m), with m = max x.

    Each output is one node whose children are all the inputs, with local derivatives
    ∂s_i/∂x_j = s_i(δ_ij − s_j), and which knows its place i (`Value.output_index`). A Tensor
    is handed to its own ``softmax(axis)``.

    >>> [round(s.data, 4) for s in softmax([Value(1.0), Value(2.0), Value(3.0)])]
    [0.09, 0.2447, 0.6652]
    """
    if _is_tensor(values):
        return values.softmax(axis)  # type: ignore[attr-defined]
    return _over_list(SOFTMAX, values)


def log_softmax(values: Sequence[Value | Number], axis: int = -1) -> Any:
    """Log-softmax over a list: x_i − m − log Σ_j e^(x_j − m); ∂/∂x_j = δ_ij − s_j.

    A Tensor is handed to its own ``log_softmax(axis)``.
    """
    if _is_tensor(values):
        return values.log_softmax(axis)  # type: ignore[attr-defined]
    return _over_list(LOG_SOFTMAX, values)


def sum(values: Iterable[Value | Number]) -> Any:
    """Σ values as one node with an edge to each value, whose local derivatives are all 1.

    The n-ary twin of ``v0 + v1 + ... `` (the same value, added left to right), which would
    record n − 1 nodes. Numbers mixed in become constant leaves. A list of Tensors is added
    elementwise, with Tensor ``+``. Kept out of ``chainrule.__all__``: a star import does
    not shadow Python's own `sum`.

    Raises:
        ValueError: for an empty list.
        TypeError: for something that is not a list of Values or numbers.

    >>> a, b, c = Value(1.0), Value(2.0), Value(4.0)
    >>> total = sum([a, b, c, 0.5])
    >>> total.data, total.op, len(total.children), total.local_grads
    (7.5, 'sum', 4, (1.0, 1.0, 1.0, 1.0))
    """
    items = _listed(values, "sum")
    if not items:
        raise ValueError("sum() of an empty list")
    inputs = _operands(items, "sum")
    if inputs is None:  # Tensors: added elementwise
        return functools.reduce(operator.add, items)
    ((data, local_grads),) = SUM.scalar(list(map(_data, inputs)))  # type: ignore[misc]
    return _result(data, "sum", inputs, local_grads, any(map(_requires_grad, inputs)))


def dot(ws: Iterable[Value | Number], xs: Iterable[Value | Number]) -> Any:
    """Σ w_i·x_i as one node with an edge to each w_i and each x_i.

    The local derivatives are data, as for every op: ∂/∂w_i = x_i and ∂/∂x_i = w_i (the
    node's operands are ``(*ws, *xs)``, its local derivatives ``(*xs, *ws)``). It is the
    n-ary twin of ``w0*x0 + w1*x1 + ...`` (the same value, bit for bit), which would record
    2n − 1 nodes; a neuron's weighted sum or an attention score is one node. Numbers mixed
    in become constant leaves; a Value may appear on both sides (``dot(x, x)`` = Σ x_i²).
    Lists of Tensors give Σ w_i * x_i elementwise, with Tensor ops.

    Raises:
        ValueError: for empty lists, or lists of different lengths.
        TypeError: for something that is not a list of Values or numbers.

    >>> w, x = [Value(2.0), Value(-1.0)], [Value(3.0), Value(4.0)]
    >>> out = dot(w, x)
    >>> out.data, out.op, out.local_grads
    (2.0, 'dot', (3.0, 4.0, 2.0, -1.0))
    """
    left, right = _listed(ws, "dot"), _listed(xs, "dot")
    if len(left) != len(right):
        raise ValueError(f"dot() needs lists of the same length, got {len(left)} and {len(right)}")
    if not left:
        raise ValueError("dot() of empty lists")
    inputs = _operands(left + right, "dot")
    if inputs is None:  # Tensors: Σ w_i * x_i elementwise
        return functools.reduce(operator.add, map(operator.mul, left, right))
    data = list(map(_data, inputs))
    n = len(left)
    ((value, local_grads),) = DOT.scalar(data[:n], data[n:])  # type: ignore[misc]
    return _result(value, "dot", inputs, local_grads, any(map(_requires_grad, inputs)))


_data = operator.attrgetter("data")
_requires_grad = operator.attrgetter("requires_grad")


def _listed(values: Iterable[Any], name: str) -> tuple[Any, ...]:
    """The items of a list (or any iterable but a string or a single Value) as a tuple."""
    if isinstance(values, (Value, str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name}() takes a list of Values, got {type(values).__name__}")
    return tuple(values)


def _operands(items: tuple[Any, ...], name: str) -> tuple[Value, ...] | None:
    """The items as Values (numbers become constants), or None when they are Tensors."""
    for item in items:  # the common case, only Values, costs one type check each
        if type(item) is not Value:
            break
    else:
        return items
    if any(_is_tensor(item) for item in items):
        return None
    return _as_values(items, name)


def _is_tensor(x: object) -> bool:
    """A Tensor, recognised without importing it (tensor.py builds on this module's graph)."""
    return not isinstance(x, (list, tuple)) and hasattr(x, "log_softmax") and hasattr(x, "shape")


def _over_list(op: Op, values: Iterable[Value | Number]) -> list[Value]:
    """One node per output of an op over a list, each with every input as an operand."""
    inputs = _as_values(values, op.name)
    requires_grad = any(v.requires_grad for v in inputs)
    rule: Any = op.scalar
    return [
        _result(data, op.name, inputs, local_grads, requires_grad, index)
        for index, (data, local_grads) in enumerate(rule([v.data for v in inputs]))
    ]


def _as_values(values: Iterable[Value | Number], name: str) -> tuple[Value, ...]:
    if isinstance(values, (Value, str, bytes)):
        raise TypeError(f"{name}() takes a list of Values, got {type(values).__name__}")
    result = []
    for v in values:
        if isinstance(v, Value):
            result.append(v)
        else:
            c = _constant(v)
            if c is NotImplemented:
                raise TypeError(f"{name}() takes Values or numbers, got {type(v).__name__}")
            result.append(c)
    if not result:
        raise ValueError(f"{name}() of an empty list")
    return tuple(result)


# ------------------------------------------------------------------------------- helpers
def _unary(op: Op, a: Value, *options: Any) -> Value:
    """Apply a one-operand op's scalar rule to `a`."""
    data, local_grads = op.scalar(a.data, *options)  # type: ignore[misc]
    return _result(data, op.name, (a,), local_grads, a.requires_grad)


def _binary(op: Op, a: Value, other: Operand) -> Value:
    """Apply a two-operand op's scalar rule; a number `other` becomes a constant leaf."""
    b = other if type(other) is Value else _constant(other)
    if b is NotImplemented:
        return NotImplemented
    data, local_grads = op.scalar(a.data, b.data)  # type: ignore[misc]
    return _result(data, op.name, (a, b), local_grads, a.requires_grad or b.requires_grad)


def _reflected(method: Any, left: Number, right: Value) -> Value:
    """``2 - v`` and the like: the number on the left becomes a constant leaf."""
    constant = _constant(left)
    return NotImplemented if constant is NotImplemented else method(constant, right)


def _result(
    data: float,
    op: str,
    children: tuple[Value, ...],
    local_grads: tuple[float, ...],
    requires_grad: bool,
    index: int | None = None,
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
        _set_edges(out, children, local_grads, index)
        out.requires_grad = requires_grad
        return out
    if MODE.anomaly:
        _check_forward(data, op, children)
    if MODE.grad_enabled:
        out.op = op
        _set_edges(out, children, local_grads, index)
        out.requires_grad = any(c.requires_grad for c in children)
        recording(out)
    else:
        out.op = ""
        out._a = out._b = out._la = out._lb = None
        out.requires_grad = False
    return out


def _set_edges(
    out: Value,
    children: tuple[Value, ...],
    local_grads: tuple[float, ...],
    index: int | None = None,
) -> None:
    """Store an op's operands and local derivatives in the node's four edge slots.

    An output of an op over a list (`index` given) keeps the tuples, whatever their length.
    """
    if index is None and len(children) == 1:
        out._a, out._la = children[0], local_grads[0]
        out._b = out._lb = None
    elif index is None and len(children) == 2:
        out._a, out._b = children
        out._la, out._lb = local_grads
    else:
        out._a, out._b, out._la, out._lb = children, _MANY, local_grads, index


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
