"""Recording modes: `no_grad`, `enable_grad` and `detect_anomaly`, each thread its own, as PyTorch.

`Value` and `Tensor` read `MODE.plain` once per op: it is true while no thread has left the
default mode (recording on, anomaly detection off), so the common case costs one slot read.
When it is false, an op takes the slow path, which reads the calling thread's own modes
(`MODE.grad_enabled`, `MODE.anomaly`). `plain` is deliberately not thread-local itself: a
`threading.local` attribute costs several slot reads, and this check runs once per op.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import inspect
import sys
import threading
from collections.abc import Callable, Generator, Iterator
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _ThreadModes(threading.local):
    """One thread's modes; every thread starts recording, with anomaly detection off."""

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False


class _Mode:
    """The modes as the engine reads them: this thread's, and whether any thread changed one."""

    __slots__ = ("plain", "_thread", "_changed", "_lock")

    def __init__(self) -> None:
        self.plain = True  # no thread is in no_grad or detect_anomaly
        self._thread = _ThreadModes()
        self._changed = 0  # how many threads are out of the default mode
        self._lock = threading.Lock()

    @property
    def grad_enabled(self) -> bool:
        """Whether the calling thread records graphs."""
        return self._thread.grad_enabled

    @property
    def anomaly(self) -> bool:
        """Whether the calling thread checks for nan/inf."""
        return self._thread.anomaly

    def set(self, *, grad_enabled: bool, anomaly: bool) -> None:
        """Set the calling thread's modes (other threads keep theirs)."""
        thread = self._thread
        was_default = thread.grad_enabled and not thread.anomaly
        is_default = grad_enabled and not anomaly
        # Leave the fast path before this thread's ops can need the slow one, and
        # return to it only once no thread needs the slow path any more.
        if not is_default and was_default:
            with self._lock:
                self._changed += 1
                self.plain = False
        thread.grad_enabled = grad_enabled
        thread.anomaly = anomaly
        if is_default and not was_default:
            with self._lock:
                self._changed -= 1
                self.plain = self._changed == 0


MODE = _Mode()


class _ModeContext:
    """A mode as a context manager and a decorator, with or without parentheses.

    On a generator function the mode holds while the generator runs (at each resume, as
    PyTorch), not while the caller holds it between items.
    """

    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        self = super().__new__(cls)
        if func is None:
            return self
        if not callable(func):
            raise TypeError(f"{cls.__name__}() takes no arguments, or decorates a function")
        self.__init__()  # type: ignore[misc]
        return self(func)  # `@no_grad` without parentheses

    _value = True  # what the mode is set to inside the block

    def __init__(self, func: Callable[..., Any] | None = None) -> None:
        self._saved: list[bool] = []  # a stack: one instance may be entered again inside

    def _get(self) -> bool:
        raise NotImplementedError

    def _set(self, value: bool) -> None:
        raise NotImplementedError

    def __enter__(self) -> None:
        self._saved.append(self._get())
        self._set(self._value)

    def __exit__(self, *exc: object) -> None:
        self._set(self._saved.pop())

    def __call__(self, func: F) -> F:
        make = type(self)
        if inspect.isgeneratorfunction(func):
            return _wrap_generator(make, func)  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with make():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def _wrap_generator(make: Callable[[], Any], func: Callable[..., Any]) -> Callable[..., Any]:
    """Run each resume of the generator `func` makes (send, throw, close) inside a mode."""

    @functools.wraps(func)
    def generator(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        with make():
            inner = func(*args, **kwargs)
        try:
            with make():
                item = inner.send(None)
            while True:
                try:
                    sent = yield item
                except GeneratorExit:
                    with make():
                        inner.close()
                    raise
                except BaseException:
                    with make():
                        item = inner.throw(*sys.exc_info())
                else:
                    with make():
                        item = inner.send(sent)
        except StopIteration as stop:
            return stop.value

    return generator


class _GradMode(_ModeContext):
    def _get(self) -> bool:
        return MODE.grad_enabled

    def _set(self, value: bool) -> None:
        MODE.set(grad_enabled=value, anomaly=MODE.anomaly)


class no_grad(_GradMode):
    """Context manager and decorator under which operations record no graph.

    Results computed inside are leaves with ``requires_grad=False``, as in PyTorch. The mode
    is the calling thread's: other threads keep recording. As a decorator it works with or
    without parentheses, and on a generator function it holds at each resume.

    >>> from chainrule import Value, no_grad
    >>> x = Value(2.0)
    >>> with no_grad():
    ...     y = x * 3
    >>> y.requires_grad, y.children
    (False, ())
    """

    _value = False


class enable_grad(_GradMode):
    """Context manager and decorator that records graphs again inside a `no_grad` block.

    >>> from chainrule import Value, enable_grad, no_grad
    >>> x = Value(2.0)
    >>> with no_grad():
    ...     with enable_grad():
    ...         y = x * 3
    >>> y.requires_grad, y.op
    (True, '*')
    """

    _value = True


class detect_anomaly(_ModeContext):
    """Context manager (and decorator) that raises `FloatingPointError` at the first nan or inf.

    In the forward pass, an op whose inputs are finite but whose result is not is reported
    with its op and operands; in `backward`, the first non-finite gradient contribution is
    reported with the node that produced it. The mode is the calling thread's.

    >>> from chainrule import Value, detect_anomaly
    >>> with detect_anomaly():
    ...     Value(-1.0, label="x").log()
    Traceback (most recent call last):
    ...
    FloatingPointError: log produced nan from finite input (operands: x=-1)
    """

    def _get(self) -> bool:
        return MODE.anomaly

    def _set(self, value: bool) -> None:
        MODE.set(grad_enabled=MODE.grad_enabled, anomaly=value)


class _CollectorPause:
    """Who holds the cycle collector paused: it is one switch for the whole process."""

    lock = threading.Lock()
    holders = 0
    resume = False  # whether the collector was on before the first holder paused it


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for a block that builds many acyclic objects.

    Engine graphs hold no reference cycles (local derivatives are data, not closures), so
    reference counting frees them; the cycle collector would only rescan tens of thousands
    of fresh nodes, a third of a training step. `fit` and `draw` use this. The collector is
    one switch for the process, so blocks in several threads share the pause: it ends, and
    the state from before the first block returns, when the last block exits.
    """
    pause = _CollectorPause
    with pause.lock:
        if pause.holders == 0:
            pause.resume = gc.isenabled()
            gc.disable()
        pause.holders += 1
    try:
        yield
    finally:
        with pause.lock:
            pause.holders -= 1
            if pause.holders == 0 and pause.resume:
                gc.enable()
