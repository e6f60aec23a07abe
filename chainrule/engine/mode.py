"""Recording modes: `no_grad`, `enable_grad` and `detect_anomaly`, each thread its own, as PyTorch.

`Value` and `Tensor` read `MODE.plain` once per op: it is true while no thread has left the
default mode (recording on, anomaly detection off) and the collector's recording pause is
not armed (below), so the common case costs one slot read. When it is false, an op takes the
slow path, which reads the calling thread's own modes (`MODE.grad_enabled`, `MODE.anomaly`)
and tells `recording` about the node. `plain` is deliberately not thread-local itself: a
`threading.local` attribute costs several slot reads, and this check runs once per op.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import inspect
import sys
import threading
import weakref
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
        # no thread is in no_grad or detect_anomaly, and the collector pause is not armed
        self.plain = True
        self._thread = _ThreadModes()
        self._changed = 0  # how many threads are out of the default mode
        self._lock = threading.Lock()

    @property
    def default(self) -> bool:
        """Whether every thread is in the default mode (recording, no anomaly detection)."""
        return self._changed == 0

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
                self.refresh()

    def refresh(self) -> None:
        """Recompute `plain` (under `_lock`): the default mode everywhere, pause not armed."""
        self.plain = self._changed == 0 and not _GraphPause.armed


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

    lock = threading.RLock()  # re-entrant: a finalizer may release while a holder holds it
    holders = 0
    resume = False  # whether the collector was on before the first holder paused it


def _hold() -> None:
    pause = _CollectorPause
    with pause.lock:
        if pause.holders == 0:
            pause.resume = gc.isenabled()
            gc.disable()
        pause.holders += 1


def _unhold() -> None:
    pause = _CollectorPause
    with pause.lock:
        pause.holders -= 1
        if pause.holders == 0 and pause.resume:
            gc.enable()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for a block that builds many acyclic objects.

    Engine graphs hold no reference cycles (local derivatives are data, not closures), so
    reference counting frees them; the cycle collector would only rescan tens of thousands
    of fresh nodes, a third of a training step. `fit` and `draw` use this. The collector is
    one switch for the process, so blocks in several threads share the pause: it ends, and
    the state from before the first block returns, when the last block exits.
    """
    _hold()
    try:
        yield
    finally:
        _unhold()


#: The longest a recording pause lasts (seconds). A graph that is kept but never
#: backpropagated (predictions kept without no_grad(), a traceback holding a forward's frames)
#: would otherwise keep the collector off; past this, it runs again, and a graph still growing
#: pauses it anew at the next collection.
PAUSE_LIMIT = 1.0


class _GraphPause:
    """The collector pause that a growing graph holds until its backward pass (`recording`)."""

    engaged = False
    armed = False  # a collection saw a graph growing: the next recorded op engages the pause
    last_serial = 0  # the creation serial at the last collection (or pause's end)
    token: object = None  # the current engagement, which its finalizer must still match
    finalizer: Any = None  # releases the pause if the node that engaged it is freed
    timer: Any = None  # releases the pause after `PAUSE_LIMIT` seconds, whatever happens
    # the creation counter of graph nodes; chainrule.engine.graph, which owns it, sets it here
    next_serial: Callable[[], int] = staticmethod(lambda: 0)  # type: ignore[assignment]


def _on_collection(phase: str, info: dict[str, int]) -> None:
    """A `gc.callbacks` hook: at a collection, arm the pause if a graph is being recorded.

    A graph is being recorded when this thread records and Values or Tensors made up at least
    half of the objects created since the last collection. Arming only routes the next op
    through the slow path, which engages the pause (`recording`) on that op's node.
    """
    pause = _GraphPause
    if phase != "start" or pause.engaged or pause.armed:
        return
    serial = pause.next_serial()
    grown, pause.last_serial = serial - pause.last_serial, serial
    if grown >= gc.get_threshold()[0] // 2 and MODE.grad_enabled:
        # No lock here: from Python 3.12 a collection may start inside a block that holds
        # MODE._lock in this very thread. Arming and leaving the fast path are single stores,
        # and a lost race only delays the pause to the next collection.
        pause.armed = True
        MODE.plain = False


gc.callbacks.append(_on_collection)


def count_nodes_with(next_serial: Callable[[], int]) -> None:
    """Give the pause the creation counter of graph nodes (chainrule.engine.graph owns it)."""
    _GraphPause.next_serial = staticmethod(next_serial)  # type: ignore[assignment]


def recording(node: Any) -> None:
    """Tell the collector pause that an op recorded `node` (called on the ops' slow path).

    Python's cycle collector starts a collection every 700 (net) new container objects and
    promotes what survives; a graph being recorded survives every collection until its
    backward pass, so the collector rescans it again and again: in a training step of a
    hundred thousand nodes, most of the step's time. The graph has no reference cycles, so
    those scans never free anything. When a collection finds a graph growing
    (`_on_collection`; small graphs, which trigger no collection, change nothing), the next
    recorded op pauses the collector, and the pause ends when a backward pass ends
    (`graph_done`) or when the node that engaged it is freed, whichever comes first: after
    `backward()` the collector is as the user had it, in a loop written by hand as in `fit`.
    The pause holds off no cleanup that reference counting does; `gc.collect()` still runs
    when called. The ops' fast path is untouched: only the one op after arming is slow.
    """
    pause = _GraphPause
    if not pause.armed:
        return
    with _CollectorPause.lock:
        if pause.engaged or not pause.armed:
            return
        _hold()
        pause.engaged = True
        pause.token = token = object()
        with MODE._lock:
            pause.armed = False
            MODE.refresh()
    pause.finalizer = weakref.finalize(node, _release, token)
    timer = threading.Timer(PAUSE_LIMIT, _time_out, (token,))
    timer.daemon = True
    pause.timer = timer
    timer.start()


def graph_done() -> None:
    """End the recording pause, if engaged or armed (called when a backward pass ends)."""
    pause = _GraphPause
    pause.last_serial = pause.next_serial()
    if pause.armed:
        with MODE._lock:
            pause.armed = False
            MODE.refresh()
    if pause.engaged:
        _release(pause.token)


def _release(token: object) -> None:
    pause = _GraphPause
    with _CollectorPause.lock:
        if not pause.engaged or pause.token is not token:
            return  # a finalizer of an engagement that backward already ended
        pause.engaged = False
        pause.token = None
        finalizer, pause.finalizer = pause.finalizer, None
        timer, pause.timer = pause.timer, None
        _unhold()
    if finalizer is not None:
        finalizer.detach()
    if timer is not None:
        timer.cancel()


def _time_out(token: object) -> None:
    """End a recording pause that outlived `PAUSE_LIMIT`; growth since re-arms it later."""
    _GraphPause.last_serial = _GraphPause.next_serial()
    _release(token)
