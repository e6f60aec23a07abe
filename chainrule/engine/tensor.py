"""`Tensor`: NumPy-batched values with the op set and backward semantics of `Value`.

A Tensor records the same kind of graph as a Value (`op`, `children`, `label`, a creation
serial), one node per array operation. Backward walks that graph in reverse creation order and
applies one vector-Jacobian product per op from the table in `tensor_gradients`. Gradients are
arrays of the tensor's shape; leaves accumulate across backward calls, intermediate nodes
get this pass's gradient, and an array once stored in `.grad` is never written to again.
"""

from __future__ import annotations

import numbers
from typing import Any, Union

import numpy as np

from chainrule.engine import graph
from chainrule.engine.mode import MODE
from chainrule.engine.tensor_backward import backward
from chainrule.engine.tensor_losses import cross_entropy
from chainrule.engine.tensor_ops import TensorOps

Operand = Union["Tensor", np.ndarray, int, float]

_new = object.__new__
_serial = graph.next_serial
_ndarray = np.ndarray
_asarray = np.asarray
_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


class Tensor(TensorOps):
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
        "__weakref__",  # caches and observers may hold a Tensor weakly, as a torch tensor
    )
    __array_ufunc__ = None  # NumPy arrays and scalars defer to Tensor's reflected operators

    data: np.ndarray
    grad: np.ndarray | None
    label: str | None
    op: str
    children: tuple[Tensor, ...]
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
        self.requires_grad = bool(requires_grad)
        self._saved = None
        self._serial = _serial()

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
            from chainrule.engine import higher

            higher.backward(self, grad)
        else:
            backward(self, grad)

    # The operators and array methods are inherited from `TensorOps`; they build their
    # results through `_constant` and `_result` (`result`, bound below).
    def _constant(self, other: object) -> Tensor:
        return constant(other, self)


def _leaf(data: np.ndarray, label: str | None = None) -> Tensor:
    """A constant leaf around `data` (not copied)."""
    out = _new(Tensor)
    out.data = data
    out.grad = None
    out.label = label
    out.op = ""
    out.children = ()
    out.requires_grad = False
    out._saved = None
    out._serial = _serial()
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
    if MODE.plain:
        out.op = op
        out.children = children
        out.requires_grad = requires_grad
        out._saved = saved
        return out
    if MODE.anomaly:
        _check_forward(data, op, children)
    if MODE.grad_enabled:
        out.op = op
        out.children = children
        out.requires_grad = requires_grad
        out._saved = saved
    else:
        out.op = ""
        out.children = ()
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


Tensor._result = staticmethod(result)


__all__ = ["Tensor", "backward", "constant", "cross_entropy", "result"]
