"""The forward half of every Tensor op: the operators and array methods `Tensor` inherits.

Each method computes its result with NumPy and records one graph node through
`Tensor._result`, saving only what the op's gradient rule in `tensor_gradients` cannot read
from the graph (an axis, a slope, softmax probabilities). The elementwise ops compute what
`Value`'s do, with the same conventions at the edges: out of a function's domain (log, sqrt,
division, powers, overflowing exp) the result is IEEE nan or inf, without NumPy's warnings.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.tensor_special import gelu_parts

_quiet = np.errstate  # `with _quiet(...)` silences NumPy's warnings for IEEE results


class TensorOps:
    """Operators and array methods of `Tensor` (see there); each records one graph node."""

    __slots__ = ()
    data: np.ndarray
    requires_grad: bool
    _result: Any
    _constant: Any

    # ------------------------------------------------------------- arithmetic operators
    def __add__(self, other: Any) -> Any:
        if type(other) is not type(self):
            other = self._constant(other)
            if other is NotImplemented:
                return NotImplemented
        rg = self.requires_grad or other.requires_grad
        return self._result(self.data + other.data, "+", (self, other), None, rg)

    def __radd__(self, other: Any) -> Any:
        left = self._constant(other)
        return NotImplemented if left is NotImplemented else left.__add__(self)

    def __sub__(self, other: Any) -> Any:
        if type(other) is not type(self):
            other = self._constant(other)
            if other is NotImplemented:
                return NotImplemented
        rg = self.requires_grad or other.requires_grad
        return self._result(self.data - other.data, "-", (self, other), None, rg)

    def __rsub__(self, other: Any) -> Any:
        left = self._constant(other)
        return NotImplemented if left is NotImplemented else left.__sub__(self)

    def __mul__(self, other: Any) -> Any:
        if type(other) is not type(self):
            other = self._constant(other)
            if other is NotImplemented:
                return NotImplemented
        rg = self.requires_grad or other.requires_grad
        return self._result(self.data * other.data, "*", (self, other), None, rg)

    def __rmul__(self, other: Any) -> Any:
        left = self._constant(other)
        return NotImplemented if left is NotImplemented else left.__mul__(self)

    def __truediv__(self, other: Any) -> Any:
        if type(other) is not type(self):
            other = self._constant(other)
            if other is NotImplemented:
                return NotImplemented
        with _quiet(divide="ignore", invalid="ignore", over="ignore"):
            data = self.data / other.data
        rg = self.requires_grad or other.requires_grad
        return self._result(data, "/", (self, other), None, rg)

    def __rtruediv__(self, other: Any) -> Any:
        left = self._constant(other)
        return NotImplemented if left is NotImplemented else left.__truediv__(self)

    def __pow__(self, other: Any) -> Any:
        if type(other) is not type(self):
            other = self._constant(other)
            if other is NotImplemented:
                return NotImplemented
        with _quiet(divide="ignore", invalid="ignore", over="ignore"):
            data = np.power(self.data, other.data)
        rg = self.requires_grad or other.requires_grad
        return self._result(data, "**", (self, other), None, rg)

    def __rpow__(self, other: Any) -> Any:
        left = self._constant(other)
        return NotImplemented if left is NotImplemented else left.__pow__(self)

    def __matmul__(self, other: Any) -> Any:
        if type(other) is not type(self):
            other = self._constant(other)
            if other is NotImplemented:
                return NotImplemented
        rg = self.requires_grad or other.requires_grad
        return self._result(self.data @ other.data, "matmul", (self, other), None, rg)

    def __rmatmul__(self, other: Any) -> Any:
        left = self._constant(other)
        return NotImplemented if left is NotImplemented else left.__matmul__(self)

    def __neg__(self) -> Any:
        return self._result(-self.data, "neg", (self,), None, self.requires_grad)

    def __pos__(self) -> Any:
        return self

    def __abs__(self) -> Any:
        return self.abs()

    # ------------------------------------------------------------------ elementwise math
    def abs(self) -> Any:
        """|a|; its derivative is sign(a), 0 at 0 (as PyTorch)."""
        return self._result(np.abs(self.data), "abs", (self,), None, self.requires_grad)

    def exp(self) -> Any:
        """e^a; overflows to inf."""
        with _quiet(over="ignore"):
            data = np.exp(self.data)
        return self._result(data, "exp", (self,), None, self.requires_grad)

    def log(self) -> Any:
        """Natural logarithm: −inf at 0, nan below 0 (IEEE)."""
        with _quiet(divide="ignore", invalid="ignore"):
            data = np.log(self.data)
        return self._result(data, "log", (self,), None, self.requires_grad)

    def sqrt(self) -> Any:
        """Square root: nan below 0."""
        with _quiet(invalid="ignore"):
            data = np.sqrt(self.data)
        return self._result(data, "sqrt", (self,), None, self.requires_grad)

    def relu(self) -> Any:
        """max(0, a); the derivative at 0 is 0 (as PyTorch)."""
        return self._result(np.maximum(self.data, 0), "relu", (self,), None, self.requires_grad)

    def leaky_relu(self, slope: float = 0.01) -> Any:
        """a for a > 0, slope·a otherwise."""
        a = self.data
        data = np.where(a > 0, a, slope * a)
        return self._result(data, "leaky_relu", (self,), float(slope), self.requires_grad)

    def sigmoid(self) -> Any:
        """σ(a) = 1/(1 + e^−a): e^−a may overflow to inf, and 1/inf is the right 0."""
        with _quiet(over="ignore"):
            data = 1.0 / (1.0 + np.exp(-self.data))
        return self._result(data, "sigmoid", (self,), None, self.requires_grad)

    def tanh(self) -> Any:
        """Hyperbolic tangent."""
        return self._result(np.tanh(self.data), "tanh", (self,), None, self.requires_grad)

    def gelu(self) -> Any:
        """Exact GELU, a·Φ(a), with Φ the standard normal CDF (erf form)."""
        cdf, local = gelu_parts(self.data)
        return self._result(self.data * cdf, "gelu", (self,), local, self.requires_grad)

    # ------------------------------------------------------------------------ reductions
    def sum(self, axis: Any = None, keepdims: bool = False) -> Any:
        """Sum over `axis` (all axes by default), as `numpy.sum`."""
        data = self.data.sum(axis=axis, keepdims=keepdims)
        return self._result(data, "sum", (self,), (axis, keepdims), self.requires_grad)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Any:
        """Mean over `axis` (all axes by default), as `numpy.mean`."""
        data = self.data.mean(axis=axis, keepdims=keepdims)
        return self._result(data, "mean", (self,), (axis, keepdims), self.requires_grad)

    def max(self, axis: Any = None, keepdims: bool = False) -> Any:
        """Maximum over `axis`; tied maxima share the gradient evenly (as PyTorch's amax)."""
        data = self.data.max(axis=axis, keepdims=keepdims)
        return self._result(data, "max", (self,), (axis, keepdims), self.requires_grad)

    def softmax(self, axis: int = -1) -> Any:
        """e^(x − m)/Σ e^(x − m) along `axis`, with m the maximum (no overflow)."""
        shifted = self.data - self.data.max(axis=axis, keepdims=True)
        exps = np.exp(shifted)
        data = exps / exps.sum(axis=axis, keepdims=True)
        return self._result(data, "softmax", (self,), axis, self.requires_grad)

    def log_softmax(self, axis: int = -1) -> Any:
        """x − m − log Σ e^(x − m) along `axis`, with m the maximum."""
        shifted = self.data - self.data.max(axis=axis, keepdims=True)
        data = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        return self._result(data, "log_softmax", (self,), axis, self.requires_grad)

    # ------------------------------------------------------------------------- shape ops
    def reshape(self, *shape: Any) -> Any:
        """The same elements in a new shape (``reshape(2, 3)`` or ``reshape((2, 3))``)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        data = self.data.reshape(shape)
        return self._result(data, "reshape", (self,), None, self.requires_grad)

    def transpose(self, *axes: Any) -> Any:
        """Permute the axes (reverse them when none are given), as `numpy.transpose`."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        order = axes or None
        data = self.data.transpose(order)
        return self._result(data, "transpose", (self,), order, self.requires_grad)

    @property
    def T(self) -> Any:
        """The tensor with its axes reversed."""
        return self.transpose()

    def __getitem__(self, key: Any) -> Any:
        """NumPy indexing: integers, slices, None, ``...`` and integer or boolean arrays."""
        key = _plain_key(key)
        data = self.data[key]
        return self._result(data, "index", (self,), (key, _is_basic(key)), self.requires_grad)


def _plain_key(key: Any) -> Any:
    """Replace Tensors inside an index by integer arrays."""
    if isinstance(key, tuple):
        return tuple(_plain_key(k) for k in key)
    if isinstance(key, TensorOps):
        return key.data.astype(np.intp)
    return key


def _is_basic(key: Any) -> bool:
    """True for basic indexing (each element picked at most once, the result a view)."""
    for k in key if isinstance(key, tuple) else (key,):
        if not (k is None or k is Ellipsis or isinstance(k, (int, slice, np.integer))):
            return False
        if isinstance(k, bool):
            return False
    return True
