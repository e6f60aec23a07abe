"""`fit()`: the training loop (forward, loss, backward, step) with a per-epoch callback and history.

It works on the scalar `MLP` (one graph of Values per sample) and on a batched model (any
model with ``batched = True``, called once on the whole (batch, nin) Tensor).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chainrule.engine.mode import collector_paused
from chainrule.nn import losses
from chainrule.nn.losses import get_loss
from chainrule.nn.optim import Optimizer
from chainrule.nn.schedules import LRScheduler


@dataclass(frozen=True)
class EpochRecord:
    """One epoch's figures: mean training loss, accuracy or R², and the learning rate used.

    Attributes:
        epoch: 1 for the first epoch.
        loss: the loss averaged over the epoch's samples.
        accuracy: fraction of samples classified right (None for regression).
        r2: coefficient of determination, 1 − SS_res / SS_tot (None for classification).
        lr: the optimizer's learning rate during the epoch.
        epochs: the total number of epochs asked for (for progress bars).
    """

    epoch: int
    loss: float
    accuracy: float | None
    r2: float | None
    lr: float
    epochs: int


@dataclass
class History:
    """The records of every finished epoch; `interrupted` is True after Ctrl-C."""

    records: list[EpochRecord] = field(default_factory=list)
    interrupted: bool = False

    @property
    def loss(self) -> list[float]:
        return [r.loss for r in self.records]

    @property
    def accuracy(self) -> list[float | None]:
        return [r.accuracy for r in self.records]

    @property
    def r2(self) -> list[float | None]:
        return [r.r2 for r in self.records]

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[EpochRecord]:
        return iter(self.records)

    def __getitem__(self, index: int) -> EpochRecord:
        return self.records[index]


#: An epoch loss this many times the first epoch's (or than 1, when that is smaller) is
#: a run diverging, not a run that is still learning.
DIVERGENCE_FACTOR = 1e6


def divergence(history: History) -> str | None:
    """How training went wrong, in words, or None while the losses look sane.

    The loss is not a number or infinite, or it has grown past `DIVERGENCE_FACTOR` times the
    first epoch's loss (a learning rate too large for the problem, typically).

    >>> first = EpochRecord(1, 0.7, 0.5, None, 0.1, 2)
    >>> last = EpochRecord(2, 8e261, 0.5, None, 0.1, 2)
    >>> divergence(History([first, last]))
    'the loss grew from 0.7 to 8e+261 by epoch 2'
    """
    for record in history.records:
        reason = _diverged(history.records[0], record)
        if reason is not None:
            return reason
    return None


def _diverged(first: EpochRecord, record: EpochRecord) -> str | None:
    if not math.isfinite(record.loss):
        return f"the loss became {record.loss} at epoch {record.epoch}"
    if record.loss > DIVERGENCE_FACTOR * max(first.loss, 1.0):
        return f"the loss grew from {first.loss:.3g} to {record.loss:.3g} by epoch {record.epoch}"
    return None


def fit(
    model: Any,
    X: Any,
    y: Any,
    *,
    loss: str | Callable[..., Any],
    optimizer: Optimizer,
    epochs: int,
    batch_size: int | None = None,
    schedule: LRScheduler | None = None,
    callback: Callable[[EpochRecord], None] | None = None,
    shuffle: bool = True,
    seed: int | None = None,
) -> History:
    """Train `model` on (X, y) and return the per-epoch history. Never prints.

    Integer targets mean classification (accuracy is reported), float targets regression
    (R²). For the hinge loss (by name or function) labels 0/1 are mapped to −1/+1. Metrics
    are measured on the outputs of the training passes themselves (before each update), as
    micrograd's demo does.

    Args:
        model: a scalar `MLP` (called per sample) or a model with ``batched = True``.
        X: inputs, shape (n_samples, nin).
        y: targets, shape (n_samples,) (or (n_samples, outputs) for regression).
        loss: a loss name (``"mse"``, ``"hinge"``, ``"cross_entropy"`` …) or a callable
            ``loss(predictions, targets)``.
        optimizer: an optimizer over ``model.parameters()``.
        epochs: number of passes over the data.
        batch_size: samples per step; None means the whole data set (one step per epoch).
        schedule: a learning-rate schedule stepped after each epoch.
        callback: called with each epoch's `EpochRecord`.
        shuffle: reshuffle the samples every epoch when using mini-batches.
        seed: seed of the shuffling.

    Returns:
        The `History`. On KeyboardInterrupt the exception propagates with the history so
        far attached as ``exc.history`` (the model keeps what it learnt).

    Raises:
        ValueError: for inconsistent shapes or bad epoch and batch counts.

    Warns:
        RuntimeWarning: once, when the loss turns nan or inf or grows a millionfold
            (see `divergence`), naming `chainrule.detect_anomaly` to find the op.

    >>> from chainrule.nn import MLP, SGD
    >>> from chainrule.nn.data import make_xor
    >>> X, y = make_xor(8, seed=0)
    >>> model = MLP(2, [4, 1], seed=0)
    >>> history = fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=0.1),
    ...               epochs=3)
    >>> len(history), history.records[0].epoch
    (3, 1)
    """
    loss_function = get_loss(loss)
    X, targets, classes = _prepare(X, y, loss_function)
    if not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative int, got {epochs!r}")
    size = len(X) if batch_size is None else batch_size
    if not isinstance(size, int) or size < 1:
        raise ValueError(f"batch_size must be a positive int or None, got {batch_size!r}")
    rng = np.random.default_rng(seed)
    history = History()
    warned = False
    try:
        for epoch in range(1, epochs + 1):
            order = rng.permutation(len(X)) if shuffle and size < len(X) else np.arange(len(X))
            lr = optimizer.lr
            total, outputs = 0.0, []
            for start in range(0, len(X), size):
                batch = order[start : start + size]
                with collector_paused():
                    value, predicted = _step(
                        model, X[batch], targets[batch], loss_function, optimizer
                    )
                total += value * len(batch)
                outputs.append(predicted)
            predictions = np.concatenate(outputs)[np.argsort(order)]
            record = _record(
                epoch, epochs, total / len(X), predictions, y, classes, loss_function, lr
            )
            history.records.append(record)
            reason = None if warned else _diverged(history.records[0], record)
            if reason is not None:
                warned = True  # once per run: every later epoch would say the same
                warnings.warn(
                    f"fit: {reason}: training diverged (try a smaller learning rate); "
                    "to find the first op that gives nan or inf, run a step under "
                    "chainrule.detect_anomaly()",
                    RuntimeWarning,
                    stacklevel=2,
                )
            if schedule is not None:
                schedule.step()
            if callback is not None:
                callback(record)
    except KeyboardInterrupt as interrupt:
        history.interrupted = True
        interrupt.history = history  # type: ignore[attr-defined]
        raise
    return history


def _prepare(X: Any, y: Any, loss: Callable) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Validated arrays, the targets as the loss wants them, and the classes (None: regression)."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"X must have shape (n_samples, features), got {X.shape}")
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    if len(X) == 0:
        raise ValueError("cannot fit on an empty data set")
    classification = y.dtype.kind in "iub"
    classes = np.unique(y) if classification else None
    targets = y if loss is losses.cross_entropy else y.astype(np.float64)
    if loss is losses.hinge and classes is not None and set(classes.tolist()) <= {0, 1}:
        targets = 2.0 * y - 1.0  # hinge wants labels ±1
    return X, targets, classes


def _step(model: Any, X: np.ndarray, targets: np.ndarray, loss: Callable, optimizer: Any) -> Any:
    """One optimisation step on a batch; returns the loss and the model's outputs (as data)."""
    optimizer.zero_grad()
    if getattr(model, "batched", False):
        from chainrule.engine.tensor import Tensor

        outputs = model(Tensor(X, dtype=getattr(model, "dtype", None)))  # the model's float type
        predicted = np.asarray(outputs.data, dtype=np.float64)
        value = loss(outputs, targets)
    else:
        outputs = [model(row) for row in X.tolist()]
        predicted = np.array(
            [o.data if not isinstance(o, list) else [v.data for v in o] for o in outputs]
        )
        value = loss(outputs, targets.tolist())
    value.backward()
    optimizer.step()
    data = value.data
    return float(data.item() if isinstance(data, np.ndarray) else data), predicted


def _record(
    epoch: int,
    epochs: int,
    loss_value: float,
    predictions: np.ndarray,
    y: np.ndarray,
    classes: np.ndarray | None,
    loss: Callable,
    lr: float,
) -> EpochRecord:
    if predictions.ndim == 2 and predictions.shape[1] == 1:
        predictions = predictions[:, 0]
    if classes is None:
        y = np.asarray(y, dtype=np.float64).reshape(predictions.shape)
        residual = float(np.sum((y - predictions) ** 2))
        spread = float(np.sum((y - y.mean()) ** 2))
        r2 = 1.0 - residual / spread if spread > 0 else float(residual == 0)
        return EpochRecord(epoch, loss_value, None, r2, lr, epochs)
    if predictions.ndim == 2:
        predicted = predictions.argmax(axis=1)
    else:  # one output: a score (threshold 0) or, for bce, a probability (threshold ½)
        threshold = 0.5 if loss is losses.bce else 0.0
        predicted = np.where(predictions > threshold, classes[-1], classes[0])
    accuracy = float(np.mean(predicted == np.asarray(y)))
    return EpochRecord(epoch, loss_value, accuracy, None, lr, epochs)
