"""Global recording modes: `no_grad` (record no graph) and `detect_anomaly` (stop at nan/inf).

Both `Value` and `Tensor` read `MODE.plain` once per op: it is true when gradients are
recorded and anomaly detection is off, the common case, so the fast path costs one check.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _Mode:
    __slots__ = ("grad_enabled", "anomaly", "plain")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.plain = True

    def set(self, *, grad_enabled: bool, anomaly: bool) -> None:
        self.grad_enabled = grad_enabled
        self.anomaly = anomaly
        self.plain = grad_enabled and not anomaly


MODE = _Mode()


class no_grad:
    """Context manager and decorator under which operations record no graph.

    Results computed inside are leaves with ``requires_grad=False``, as in PyTorch.

    >>> from chainrule import Value, no_grad
    >>> x = Value(2.0)
    >>> with no_grad():
    ...     y = x * 3
    >>> y.requires_grad, y.children
    (False, ())
    """

    def __enter__(self) -> None:
        self._previous = MODE.grad_enabled
        MODE.set(grad_enabled=False, anomaly=MODE.anomaly)

    def __exit__(self, *exc: object) -> None:
        MODE.set(grad_enabled=self._previous, anomaly=MODE.anomaly)

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with no_grad():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class detect_anomaly:
    """Context manager that raises `FloatingPointError` at the first nan or inf.

    In the forward pass, an op whose inputs are finite but whose result is not is reported
    with its op and operands; in `backward`, the first non-finite gradient contribution is
    reported with the node that produced it.

    >>> from chainrule import Value, detect_anomaly
    >>> with detect_anomaly():
    ...     Value(-1.0, label="x").log()
    Traceback (most recent call last):
    ...
    FloatingPointError: log produced nan from finite input (operands: x=-1)
    """

    def __enter__(self) -> None:
        self._previous = MODE.anomaly
        MODE.set(grad_enabled=MODE.grad_enabled, anomaly=True)

    def __exit__(self, *exc: object) -> None:
        MODE.set(grad_enabled=MODE.grad_enabled, anomaly=self._previous)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for a block that builds many acyclic objects.

    Engine graphs hold no reference cycles (local derivatives are data, not closures), so
    reference counting frees them; the cycle collector would only rescan tens of thousands
    of fresh nodes, a third of a training step. `fit` and `draw` use this; the previous state
    is restored on exit.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
