"""Loss functions that work on both paths: lists of Values with numbers, or Tensors.

Each loss is written once as an elementwise formula using only the ops `Value` and `Tensor`
share; only the final reduction differs (a chain of sums over a list of Values, or
``Tensor.sum()``). On the scalar path predictions are a Value (one sample) or a list of
Values (a batch; a list of lists for multi-output models), targets a number or a list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chainrule.engine import tensor
from chainrule.engine import value as _lists
from chainrule.engine.tensor import Tensor
from chainrule.engine.value import Value
from chainrule.nn.module import _is_tensor

REDUCTIONS = ("mean", "sum")
_LOG_FLOOR = -100.0  # PyTorch clamps log(p) at −100 in binary cross-entropy
# ... and divides its gradient by max(p(1 − p), ε), with ε the C++ float 1e-12f (aten's
# EPSILON), which is 9.99999996e-13 in float64: the same number here, so the gradients agree.
_BCE_EPSILON = float(np.float32(1e-12))


def _pairs(predictions: Any, targets: Any) -> tuple[Any, Any]:
    """Predictions and targets in matching form: two flat lists, or a Tensor and a constant."""
    if _is_tensor(predictions):
        dtype = predictions.data.dtype  # float32 models keep computing in float32
        array = np.asarray(targets.data if _is_tensor(targets) else targets, dtype=dtype)
        # one target per prediction, as on the scalar path: never a silent broadcast
        _check_counts(predictions.data.size, array.size)
        if array.shape != predictions.data.shape:
            array = array.reshape(predictions.data.shape)  # (batch,) targets for (batch, 1)
        return predictions, Tensor(array)
    if isinstance(predictions, Value):
        predictions, targets = [predictions], [targets]
    predictions, targets = _flatten(predictions), _flatten(targets)
    _check_counts(len(predictions), len(targets))
    return predictions, [float(t) for t in targets]


def _check_counts(predictions: int, targets: int) -> None:
    if predictions != targets:
        raise ValueError(f"{predictions} predictions but {targets} targets")
    if not predictions:
        raise ValueError("a loss of an empty batch")


def _flatten(items: Any) -> list[Any]:
    if isinstance(items, np.ndarray):
        return items.ravel().tolist()
    if isinstance(items, (Value, int, float, np.number)):
        return [items]
    flat: list[Any] = []
    for item in items:
        if isinstance(item, (Sequence, np.ndarray)) and not isinstance(item, str):
            flat.extend(_flatten(item))
        else:
            flat.append(item)
    return flat


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _reduce(terms: Any, count: int, reduction: str) -> Any:
    """Σ terms, divided by their number for the mean."""
    _check_reduction(reduction)
    if not isinstance(terms, list):  # a Tensor
        return terms.mean() if reduction == "mean" else terms.sum()
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total / count if reduction == "mean" else total


def _elementwise(formula: Callable[[Any, Any], Any], predictions: Any, targets: Any) -> Any:
    prediction, target = _pairs(predictions, targets)
    if isinstance(prediction, list):
        return [formula(p, t) for p, t in zip(prediction, target)], len(prediction)
    return formula(prediction, target), prediction.data.size


def mse(predictions: Any, targets: Any, *, reduction: str = "mean") -> Any:
    """Mean squared error, mean (p − y)².

    >>> from chainrule import Value
    >>> mse([Value(1.0), Value(3.0)], [0.0, 1.0]).data
    2.5
    """
    terms, count = _elementwise(lambda p, y: (p - y) ** 2, predictions, targets)
    return _reduce(terms, count, reduction)


def mae(predictions: Any, targets: Any, *, reduction: str = "mean") -> Any:
    """Mean absolute error, mean |p − y|."""
    terms, count = _elementwise(lambda p, y: (p - y).abs(), predictions, targets)
    return _reduce(terms, count, reduction)


def hinge(predictions: Any, targets: Any, *, reduction: str = "mean") -> Any:
    """Hinge loss for labels ±1: mean max(0, 1 − y·score).

    Raises:
        ValueError: when a target is neither −1 nor 1.
    """
    _check_labels(targets, (-1.0, 1.0), "hinge")
    terms, count = _elementwise(lambda s, y: (1 - s * y).relu(), predictions, targets)
    return _reduce(terms, count, reduction)


def bce(predictions: Any, targets: Any, *, reduction: str = "mean") -> Any:
    """Binary cross-entropy on probabilities: −[y·log p + (1 − y)·log(1 − p)].

    As PyTorch's ``BCELoss``: each log is clamped at −100, so p = 0 or 1 gives a finite
    loss, and the gradient is (p − y) / max(p(1 − p), 10⁻¹²), so a maximally wrong
    prediction (p = 0 for y = 1) still gets a signal (−10¹²). A nan prediction gives a nan
    loss. Both paths give the same numbers.

    >>> from chainrule import Value
    >>> p = Value(0.0)
    >>> loss = bce(p, 1.0)
    >>> loss.backward()
    >>> loss.data, f"{p.grad:.3g}"
    (100.0, '-1e+12')
    """
    terms, count = _elementwise(_bce_term, predictions, targets)
    return _reduce(terms, count, reduction)


def bce_with_logits(predictions: Any, targets: Any, *, reduction: str = "mean") -> Any:
    """Binary cross-entropy on logits z, stable for any z: max(z, 0) − z·y + log(1 + e^−|z|).

    With s = sign(z) (+1 at 0) taken as a constant, max(z, 0) = z·[z ≥ 0] and |z| = z·s, so
    the gradient is σ(z) − y everywhere, also at z = 0.
    """

    def formula(z: Any, y: Any) -> Any:
        positive = _constant_like(z, z.data >= 0)
        absolute = _times_sign(z, positive * 2 - 1)
        return z * (positive - y) + ((-absolute).exp() + 1).log()

    terms, count = _elementwise(formula, predictions, targets)
    return _reduce(terms, count, reduction)


def cross_entropy(logits: Any, targets: Any, *, reduction: str = "mean") -> Any:
    """Softmax cross-entropy from logits with class-index targets: −log softmax(z)[y].

    Computed as log-softmax with the maximum subtracted, so large logits do not overflow.

    Args:
        logits: one sample's list of Values, a batch as a list of such lists, or a
            Tensor of shape (batch, classes).
        targets: a class index, or one per sample.
        reduction: ``"mean"`` or ``"sum"`` over the samples.

    >>> from chainrule import Value
    >>> round(cross_entropy([Value(0.0), Value(0.0)], 1).data, 4)
    0.6931
    """
    if _is_tensor(logits):
        _check_reduction(reduction)
        return tensor.cross_entropy(logits, targets, reduction=reduction)  # fused and stable
    if logits and isinstance(logits[0], Value):
        logits, targets = [logits], [targets]
    if len(logits) != len(_flatten(targets)):
        raise ValueError(f"{len(logits)} samples of logits but {len(_flatten(targets))} targets")
    terms = [
        -_lists.log_softmax(row)[_class_index(t, len(row))]
        for row, t in zip(logits, _flatten(targets))
    ]
    return _reduce(terms, len(terms), reduction)


LOSSES: dict[str, Callable[..., Any]] = {
    "mse": mse,
    "mae": mae,
    "bce": bce,
    "bce_with_logits": bce_with_logits,
    "cross_entropy": cross_entropy,
    "hinge": hinge,
}

#: What each loss of `LOSSES` compares a model's output with: ``"regression"`` (numbers),
#: ``"binary"`` (two classes, one score per sample) or ``"classes"`` (one logit per class).
TASKS: dict[str, str] = {
    "mse": "regression",
    "mae": "regression",
    "bce": "binary",
    "bce_with_logits": "binary",
    "cross_entropy": "classes",
    "hinge": "binary",
}
#: Losses that take probabilities, so the model's output goes through a sigmoid first.
PROBABILITY_LOSSES = frozenset({"bce"})


def get_loss(loss: str | Callable[..., Any]) -> Callable[..., Any]:
    """Return a loss function by name (``"mse"``, ``"hinge"`` …) or pass a callable through.

    Raises:
        ValueError: for an unknown name.
    """
    if callable(loss):
        return loss
    try:
        return LOSSES[loss]
    except (KeyError, TypeError):
        raise ValueError(f"unknown loss {loss!r}; known: {', '.join(LOSSES)}") from None


# ------------------------------------------------------------------------------ helpers
def _constant_like(x: Any, data: Any) -> Any:
    """A number for a Value, a constant Tensor for a Tensor."""
    if isinstance(x, Value):
        return float(data)
    return Tensor(np.asarray(data, dtype=x.data.dtype))


def _bce_term(p: Any, y: Any) -> Any:
    """One BCE term, PyTorch's numbers everywhere, drawn as its logs where they are plain.

    Where p(1 − p) < 10⁻¹² (p within 10⁻¹² of 0 or 1), PyTorch's gradient (p − y)/10⁻¹²
    is not the logs' (−y/p + (1 − y)/(1 − p), up to 10⁴³), and the forward value has a
    clamped log: there the term is its clamped value c plus its gradient s times
    (p − p.data), a line with PyTorch's value and slope. Elsewhere the logs are plain.
    """
    p0 = np.asarray(p.data, dtype=float)
    edge = (p0 >= 0) & (p0 <= 1) & (p0 * (1 - p0) < _BCE_EPSILON)  # nan: no edge
    if not edge.any():
        return -((p.log() * y) + (1 - p).log() * (1 - y))
    y0 = np.asarray(getattr(y, "data", y), dtype=float)
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p0), _LOG_FLOOR)
        log_q = np.maximum(np.log1p(-p0), _LOG_FLOOR)
    value = np.where(edge, -(y0 * log_p + (1 - y0) * log_q), 0.0)
    slope = np.where(edge, (p0 - y0) / _BCE_EPSILON, 0.0)
    line = (p - _constant_like(p, p0)) * _constant_like(p, slope) + _constant_like(p, value)
    if isinstance(p, Value):
        return line
    plain = _constant_like(p, ~edge)
    safe = p * plain + (1 - plain) * 0.5  # the logs see ½ where the line stands in
    logs = -((safe.log() * y) + (1 - safe).log() * (1 - y))
    return logs * plain + line


def _times_sign(z: Any, sign: Any) -> Any:
    """z·sign for a constant sign ±1; on a Value, z or −z (no constant node)."""
    if isinstance(z, Value):
        return z if sign > 0 else -z
    return z * sign


def _check_labels(targets: Any, allowed: tuple[float, ...], name: str) -> None:
    data = targets.data if _is_tensor(targets) else targets
    values = np.unique(np.asarray(_flatten(data) if isinstance(data, list) else data, float))
    bad = [v for v in values.tolist() if v not in allowed]
    if bad:
        raise ValueError(f"{name} needs targets in {allowed}, got {bad[0]!r}")


def _class_index(target: Any, classes: int) -> int:
    index = int(target)
    if index != target or not 0 <= index < classes:
        raise ValueError(f"class index {target!r} out of range for {classes} classes")
    return index
