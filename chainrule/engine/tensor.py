"""`Tensor`: NumPy-batched values with the op set and backward semantics of `Value`.

A Tensor records the same kind of graph as a Value (`op`, `children`, `label`, a creation
serial), one node per array operation. Each method applies its op's array rule from
`chainrule.engine.ops` and records one node, saving only what the op's vector-Jacobian
product cannot read from the graph (an axis, a slope, softmax probabilities). Backward
walks the nodes in the one backward order (`chainrule.engine.backward.backward_order`) and
applies one vector-Jacobian product per node. Gradients are arrays of the tensor's shape;
leaves accumulate across backward calls, intermediate nodes get this pass's gradient, and
an array once stored in `.grad` is never written to again. The elementwise ops compute what
`Value`'s do, with the same conventions at the edges: out of a function's domain the result
is IEEE nan or inf, without NumPy's warnings.
"""

from __future__ import annotations

import numbers
from typing import Any, Union

import numpy as np

from chainrule.engine.backward import MANY, backward_lock, backward_order
from chainrule.engine.graph import next_serial
from chainrule.engine.higher import backward as graph_backward
from chainrule.engine.mode import MODE, graph_done, recording
from chainrule.engine.ops import (
    ABS,
    ADD,
    COS,
    CROSS_ENTROPY,
    DIV,
    EXP,
    GELU,
    INDEX,
    LEAKY_RELU,
    LOG,
    LOG_SOFTMAX,
    MATMUL,
    MAX,
    MEAN,
    MUL,
    NEG,
    NORMAL_CDF,
    OPS,
    POW,
    RELU,
    RESHAPE,
    SIGMOID,
    SIN,
    SOFTMAX,
    SOFTPLUS,
    SQRT,
    SUB,
    SUM,
    TANH,
    TRANSPOSE,
    Op,
)
from chainrule.engine.ops.activations import check_slope

Operand = Union["Tensor", np.ndarray, int, float]

#: The Tensor gradient table, derived from the records: op name → vector-Jacobian product.
GRADIENTS = {op.name: op.vjp for op in OPS.values() if op.vjp is not None}

_new = object.__new__
_serial = next_serial
_ndarray = np.ndarray
_asarray = np.asarray
_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


class Tensor:
    """An array in a computational graph.

    Args:
        data: an array, a nested list or a number; copied into a float64 array (float32 when
            ``dtype=np.float32`` is given or `data` is already a float32 array).
        requires_grad: whether `backward` computes ∂root/∂self into `grad`.
        label: an optional name shown in diagrams and messages.
        dtype: ``np.float64`` or ``np.float32``.

    Attributes:
        data: the forward value (an ndarray).
        grad: None until a backward pass reaches this tensor, then an array of its shape.
        op: the op that produced this tensor; ``""`` for a leaf.
        children: the operands, in order.

    >>> x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, label="x")
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> y.item(), x.grad.tolist()
    (30.0, [[2.0, 4.0], [6.0, 8.0]])
    """

    __slots__ = (
        "data",
        "grad",
        "label",
        "op",
        "children",
        "requires_grad",
        "_saved",
        "_serial",
        "_a",  # `children` for the backward order, None for a leaf (see `_b`)
        "_mark",  # the token of the last backward pass that reached this tensor
        "__weakref__",  # caches and observers may hold a Tensor weakly, as a torch tensor
    )
    __array_ufunc__ = None  # NumPy arrays and scalars defer to Tensor's reflected operators

    data: np.ndarray
    grad: np.ndarray | None
    label: str | None
    op: str
    children: tuple[Tensor, ...]
    _a: tuple[Tensor, ...] | None
    requires_grad: bool

    def __init__(
        self,
        data: Any,
        *,
        requires_grad: bool = False,
        label: str | None = None,
        dtype: Any = None,
    ) -> None:
        if isinstance(data, Tensor):
            raise TypeError("Tensor() takes an array or a number, got Tensor; use .detach()")
        if label is not None and not isinstance(label, str):
            raise TypeError(f"label must be a str or None, got {type(label).__name__}")
        array = np.asarray(data)
        if array.dtype.kind not in "biuf":
            raise TypeError(
                f"Tensor() takes real numbers, got {type(data).__name__} of {array.dtype}"
            )
        if dtype is None:
            dtype = np.float32 if array.dtype == np.float32 else np.float64
        elif np.dtype(dtype) not in _FLOATS:
            raise ValueError(f"dtype must be float64 or float32, got {np.dtype(dtype)}")
        self.data = np.array(array, dtype=dtype)  # a copy: the caller's array is left alone
        self.grad = None
        self.label = label
        self.op = ""
        self.children = ()
        self._a = None
        self.requires_grad = bool(requires_grad)
        self._saved = None
        self._serial = _serial()
        self._mark = None

    # ------------------------------------------------------------------ array facts
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    # The edge layout the backward order walks (`chainrule.engine.backward`): an op over
    # any number of operands, held as the tuple `_a` (the children again); None for a leaf.
    _b = MANY

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by an op (inputs, parameters, constants)."""
        return not self.children

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        text = np.array2string(self.data, precision=4, threshold=20, separator=", ")
        parts = [text.replace("\n", "\n       ")]
        if self.label is not None:
            parts.append(f"label={self.label!r}")
        if self.op:
            parts.append(f"op={self.op!r}")
        if self.requires_grad:
            parts.append("requires_grad=True")
        return f"Tensor({', '.join(parts)})"

    def item(self) -> float:
        """Return the single element as a Python float (ValueError if there are more)."""
        if self.data.size != 1:
            raise ValueError(
                f"item() needs a tensor of one element, this one has shape {self.shape}"
            )
        return float(self.data.reshape(()))

    def __float__(self) -> float:
        return self.item()

    def numpy(self) -> np.ndarray:
        """The data array itself (not a copy), as PyTorch's ``Tensor.numpy()``."""
        return self.data

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data that does not require grad."""
        return _leaf(self.data, self.label)

    def zero_grad(self) -> None:
        """Forget this tensor's gradient (``grad`` becomes None, as PyTorch's default)."""
        self.grad = None

    def _apply(self, op: Op, *options: Any) -> Tensor:
        """Apply a one-operand op by its record (the derivative rules of ``ops`` reach the ops
        that only derivatives use, such as mask and scatter, through this)."""
        return _unary_with(op, self, *options)

    # ------------------------------------------------------------------ the backward pass
    def backward(self, grad: Any = None, *, create_graph: bool = False) -> None:
        """Backpropagate from this tensor; ``grad`` is ∂L/∂self (1 for a one-element tensor).

        Leaves accumulate their gradients across calls, as in PyTorch; intermediate tensors get
        this pass's gradient. The walk is iterative, so graphs of any depth work.

        With ``create_graph=True`` every gradient of the pass is a `Tensor` with its own
        graph, so it can be differentiated again (see `chainrule.grad`).

        Raises:
            ValueError: if this tensor does not require grad, or `grad` is missing for a
                tensor of more than one element, or has the wrong shape.
        """
        if create_graph:
            keeps_graph = isinstance(grad, Tensor) and grad.requires_grad
            seed = _seed(self, grad)  # checks the shape
            graph_backward(self, grad if keeps_graph else seed)
        else:
            _backward(self, grad)

    # ------------------------------------------------------------- arithmetic operators
    def __add__(self, other: Operand) -> Tensor:
        return _binary(ADD, self, other)

    def __radd__(self, other: Operand) -> Tensor:
        return _reflected(ADD, other, self)

    def __sub__(self, other: Operand) -> Tensor:
        return _binary(SUB, self, other)

    def __rsub__(self, other: Operand) -> Tensor:
        return _reflected(SUB, other, self)

    def __mul__(self, other: Operand) -> Tensor:
        return _binary(MUL, self, other)

    def __rmul__(self, other: Operand) -> Tensor:
        return _reflected(MUL, other, self)

    def __truediv__(self, other: Operand) -> Tensor:
        return _binary(DIV, self, other)

    def __rtruediv__(self, other: Operand) -> Tensor:
        return _reflected(DIV, other, self)

    def __pow__(self, other: Operand) -> Tensor:
        return _binary(POW, self, other)

    def __rpow__(self, other: Operand) -> Tensor:
        return _reflected(POW, other, self)

    def __matmul__(self, other: Operand) -> Tensor:
        return _binary(MATMUL, self, other)

    def __rmatmul__(self, other: Operand) -> Tensor:
        return _reflected(MATMUL, other, self)

    def __neg__(self) -> Tensor:
        return _unary(NEG, self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _unary(ABS, self)

    # ------------------------------------------------------------------ elementwise math
    def abs(self) -> Tensor:
        """|a|; its derivative is sign(a), 0 at 0 (as PyTorch)."""
        return _unary(ABS, self)

    def exp(self) -> Tensor:
        """e^a; overflows to inf."""
        return _unary(EXP, self)

    def log(self) -> Tensor:
        """Natural logarithm: −inf at 0, nan below 0 (IEEE)."""
        return _unary(LOG, self)

    def sqrt(self) -> Tensor:
        """Square root: nan below 0."""
        return _unary(SQRT, self)

    def sin(self) -> Tensor:
        """Sine (of radians); nan at ±inf."""
        return _unary(SIN, self)

    def cos(self) -> Tensor:
        """Cosine (of radians); nan at ±inf."""
        return _unary(COS, self)

    def relu(self) -> Tensor:
        """max(0, a); the derivative at 0 is 0 (as PyTorch)."""
        return _unary(RELU, self)

    def leaky_relu(self, slope: float = 0.01) -> Tensor:
        """a for a > 0, slope·a otherwise.

        Raises:
            TypeError: if `slope` is not a real number.
        """
        return _unary_with(LEAKY_RELU, self, check_slope(slope))

    def sigmoid(self) -> Tensor:
        """σ(a) = 1/(1 + e^−a): e^−a may overflow to inf, and 1/inf is the right 0."""
        return _unary(SIGMOID, self)

    def tanh(self) -> Tensor:
        """Hyperbolic tangent."""
        return _unary(TANH, self)

    def gelu(self) -> Tensor:
        """Exact GELU, a·Φ(a), with Φ the standard normal CDF (erf form)."""
        return _unary(GELU, self)

    def softplus(self) -> Tensor:
        """log(1 + e^a), computed so that it never overflows (softplus(1000) is 1000)."""
        return _unary(SOFTPLUS, self)

    def normal_cdf(self) -> Tensor:
        """Φ(a), the standard normal CDF (GELU's derivative Φ(a) + a·φ(a) is built on it)."""
        return _unary(NORMAL_CDF, self)

    # ------------------------------------------------------------------------ reductions
    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Sum over `axis` (all axes by default), as `numpy.sum`."""
        return _unary_with(SUM, self, axis, keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Mean over `axis` (all axes by default), as `numpy.mean`."""
        return _unary_with(MEAN, self, axis, keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        """Maximum over `axis`; tied maxima share the gradient evenly (as PyTorch's amax)."""
        return _unary_with(MAX, self, axis, keepdims)

    def softmax(self, axis: int = -1) -> Tensor:
        """e^(x − m)/Σ e^(x − m) along `axis`, with m the maximum (no overflow)."""
        return _unary_with(SOFTMAX, self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        """x − m − log Σ e^(x − m) along `axis`, with m the maximum."""
        return _unary_with(LOG_SOFTMAX, self, axis)

    # ------------------------------------------------------------------------- shape ops
    def reshape(self, *shape: Any) -> Tensor:
        """The same elements in a new shape (``reshape(2, 3)`` or ``reshape((2, 3))``)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _unary_with(RESHAPE, self, shape)

    def transpose(self, *axes: Any) -> Tensor:
        """Permute the axes (reverse them when none are given), as `numpy.transpose`."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _unary_with(TRANSPOSE, self, axes or None)

    @property
    def T(self) -> Tensor:
        """The tensor with its axes reversed."""
        return self.transpose()

    def __getitem__(self, key: Any) -> Tensor:
        """NumPy indexing: integers, slices, None, ``...`` and integer or boolean arrays."""
        return _unary_with(INDEX, self, _plain_key(key))


# ------------------------------------------------------------------------------- helpers
def _unary(op: Op, a: Tensor) -> Tensor:
    """Apply a one-operand op's array rule to `a`."""
    data, saved = op.forward(a.data)  # type: ignore[misc]
    return result(data, op.name, (a,), saved, a.requires_grad)


def _unary_with(op: Op, a: Tensor, *options: Any) -> Tensor:
    """Apply a one-operand op's array rule to `a`, with its options (an axis, a slope)."""
    data, saved = op.forward(a.data, *options)  # type: ignore[misc]
    return result(data, op.name, (a,), saved, a.requires_grad)


def _binary(op: Op, a: Tensor, b: Operand) -> Tensor:
    """Apply a two-operand op's array rule; a number or ndarray `b` becomes a constant leaf."""
    if type(b) is not Tensor:
        b = constant(b, a)
        if b is NotImplemented:
            return NotImplemented
    data, saved = op.forward(a.data, b.data)  # type: ignore[misc]
    return result(data, op.name, (a, b), saved, a.requires_grad or b.requires_grad)


def _reflected(op: Op, left: Operand, right: Tensor) -> Tensor:
    """``2 - t`` and the like: the number or ndarray on the left becomes a constant leaf."""
    constant_left = constant(left, right)
    if constant_left is NotImplemented:
        return NotImplemented
    return _binary(op, constant_left, right)


def _plain_key(key: Any) -> Any:
    """Replace Tensors inside an index by integer arrays."""
    if isinstance(key, tuple):
        return tuple(_plain_key(k) for k in key)
    if isinstance(key, Tensor):
        return key.data.astype(np.intp)
    return key


def cross_entropy(logits: Tensor, targets: Any, *, reduction: str = "mean") -> Tensor:
    """Mean softmax cross-entropy of a batch of logits against integer class indices.

    Fused and stable: L = mean_i(log Σ_j e^(x_ij − m_i) − (x_it_i − m_i)), m_i = max_j x_ij,
    and one backward step, ∂L/∂x = (softmax(x) − onehot(t))/n.

    Args:
        logits: a Tensor of shape (n, k).
        targets: n class indices in [0, k) (an integer array, list or Tensor).
        reduction: ``"mean"`` (the default), ``"sum"``, or ``"none"`` for the n losses.

    Returns:
        A Tensor of shape () (shape (n,) for ``reduction="none"``).

    Raises:
        TypeError: if `logits` is not a Tensor or the targets are not integers.
        ValueError: if the shapes do not match, a target is out of range, or the reduction
            is unknown.

    >>> logits = Tensor([[2.0, 0.0], [0.0, 2.0]], requires_grad=True)
    >>> loss = cross_entropy(logits, [0, 1])
    >>> round(loss.item(), 4)
    0.1269
    """
    if not isinstance(logits, Tensor):
        raise TypeError(f"cross_entropy() takes logits as a Tensor, got {type(logits).__name__}")
    if isinstance(targets, Tensor):
        targets = targets.data
    return _unary_with(CROSS_ENTROPY, logits, targets, reduction)


def _leaf(data: np.ndarray, label: str | None = None) -> Tensor:
    """A constant leaf around `data` (not copied)."""
    out = _new(Tensor)
    out.data = data
    out.grad = None
    out.label = label
    out.op = ""
    out.children = ()
    out._a = None
    out.requires_grad = False
    out._saved = None
    out._serial = _serial()
    out._mark = None
    return out


def constant(x: object, like: Tensor) -> Tensor:
    """Wrap a number or ndarray mixed into an op as a constant leaf; NotImplemented otherwise.

    Numbers and integer arrays take the dtype of the tensor they meet, so float32 stays
    float32; float arrays keep theirs (NumPy promotion then decides the result's dtype).
    """
    if isinstance(x, _ndarray):
        kind = x.dtype.kind
        if kind == "f":
            return _leaf(x if x.dtype in _FLOATS else x.astype(np.float64))
        if kind in "biu":
            return _leaf(x.astype(like.data.dtype))
        return NotImplemented  # type: ignore[return-value]
    if isinstance(x, numbers.Real) and not isinstance(x, Tensor):
        return _leaf(np.array(x, dtype=like.data.dtype))
    return NotImplemented  # type: ignore[return-value]


def result(
    data: Any, op: str, children: tuple[Tensor, ...], saved: Any, requires_grad: bool
) -> Tensor:
    """Make the output node of an op (the hot path: no `__init__`, no checks)."""
    if type(data) is not _ndarray:  # NumPy returns scalars from 0-d operations
        data = _asarray(data)
    out = _new(Tensor)
    out.data = data
    out.grad = None
    out.label = None
    out._serial = _serial()
    out._mark = None
    if MODE.plain:
        out.op = op
        out.children = out._a = children
        out.requires_grad = requires_grad
        out._saved = saved
        return out
    if MODE.anomaly:
        _check_forward(data, op, children)
    if MODE.grad_enabled:
        out.op = op
        out.children = out._a = children
        out.requires_grad = requires_grad
        out._saved = saved
        recording(out)
    else:
        out.op = ""
        out.children = ()
        out._a = None
        out.requires_grad = False
        out._saved = None
    return out


def _check_forward(data: np.ndarray, op: str, children: tuple[Tensor, ...]) -> None:
    if np.isfinite(data).all() or not all(np.isfinite(c.data).all() for c in children):
        return
    operands = ", ".join(
        f"{c.label or 'operand ' + str(i)} of shape {c.data.shape}" for i, c in enumerate(children)
    )
    word = "nan" if np.isnan(data).any() else "inf"
    raise FloatingPointError(f"{op} produced {word} from finite input (operands: {operands})")


def _seed(root: Tensor, grad: Any) -> np.ndarray:
    if not root.requires_grad:
        raise ValueError(
            "backward() needs a Tensor that requires grad; this one does not "
            "(it is a constant, or was computed under no_grad())"
        )
    dtype = root.data.dtype
    if grad is None:
        if root.data.size != 1:
            raise ValueError(
                f"grad can be implicitly created only for one-element tensors; this one has "
                f"shape {root.shape}: pass backward(grad) with an array of that shape"
            )
        return np.ones_like(root.data)
    seed = np.array(getattr(grad, "data", grad), dtype=dtype)
    if seed.shape != root.data.shape:
        raise ValueError(f"grad has shape {seed.shape}, the tensor has shape {root.shape}")
    return seed


def _backward(root: Tensor, grad: Any = None) -> None:
    """Backpropagate from `root`: see `Tensor.backward`."""
    try:
        with backward_lock:  # passes sharing tensors take turns (see backward.backward_lock)
            _backward_locked(root, grad)
    finally:
        graph_done()


def _backward_locked(root: Tensor, grad: Any) -> None:
    seed = _seed(root, grad)
    if not root.children:  # a leaf accumulates, as in PyTorch
        root.grad = seed if root.grad is None else root.grad + seed
        return
    order, leaves = backward_order(root, None)
    root.grad = seed
    try:
        # Gradients at a domain's edge are IEEE's inf and nan (0 · inf, inf − inf), as on the
        # Value path and in PyTorch: NumPy's warnings about them would only be noise here, and
        # detect_anomaly() is the way to stop at the first one.
        with np.errstate(all="ignore"):
            _run(order)
    finally:
        _accumulate(leaves)


def _run(order: list[Any]) -> None:
    """One vector-Jacobian product per node, summed into each operand's gradient."""
    check = MODE.anomaly
    for node in order:
        g = node.grad
        for child, child_grad in zip(node.children, GRADIENTS[node.op](node, g)):
            if child_grad is None:
                continue
            if type(child_grad) is not _ndarray:
                child_grad = _asarray(child_grad)
            if check:
                _check_backward(node, g, child_grad)
            dtype = child.data.dtype
            if child_grad.dtype is not dtype and child_grad.dtype != dtype:  # float32 met float64
                child_grad = child_grad.astype(dtype)
            previous = child.grad
            if previous is not None:
                # a new array, never `+=`: an array once stored in `.grad` is never changed
                child.grad = previous + child_grad
            elif child.children or (child_grad is not g and child_grad.base is None):
                child.grad = child_grad
            else:  # a leaf gets its own array, not a view of another tensor's gradient
                child.grad = child_grad.copy()


def _accumulate(leaves: list[tuple[Tensor, np.ndarray | None]]) -> None:
    """Add each leaf's gradient from this pass to the one it had before (a new array)."""
    for leaf, previous in leaves:
        if previous is not None:
            leaf.grad = previous if leaf.grad is None else previous + leaf.grad


def _check_backward(node: Any, g: np.ndarray, child_grad: np.ndarray) -> None:
    if np.isfinite(child_grad).all() or not np.isfinite(g).all():
        return
    name = node.label or f"the output of {node.op}"
    raise FloatingPointError(
        f"backward: the gradient rule of {node.op} at {name} gave a non-finite gradient "
        "from a finite one"
    )


__all__ = ["Tensor", "GRADIENTS", "constant", "cross_entropy", "result"]
