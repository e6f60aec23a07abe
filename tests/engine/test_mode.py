"""Recording modes: thread-local as PyTorch's, decorators with and without parentheses."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import chainrule
import chainrule.engine
from chainrule import Tensor, Value, detect_anomaly, enable_grad, no_grad
from chainrule.engine.mode import MODE


def in_other_thread(enter: Callable[[], Any], work: Callable[[], Any]) -> Any:
    """Run `work` in this thread while another thread sits inside `enter()`; return its result.

    Events order the two threads (no sleeps): the other thread enters the mode and waits
    until `work` has run here, then leaves.
    """
    entered, done = threading.Event(), threading.Event()
    seen: dict[str, Any] = {}

    def hold() -> None:
        with enter():
            seen["recorded inside"] = (Value(2.0) * 3).requires_grad
            entered.set()
            done.wait(timeout=30)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert entered.wait(timeout=30)
        result = work()
    finally:
        done.set()
        thread.join(timeout=30)
    return result, seen


def test_no_grad_in_one_thread_leaves_other_threads_recording() -> None:
    def work() -> tuple[bool, bool]:
        y = Value(2.0) * 3
        t = Tensor([1.0, 2.0], requires_grad=True) * 2
        return y.requires_grad and y.op == "*", t.requires_grad and t.op == "*"

    result, seen = in_other_thread(no_grad, work)
    assert result == (True, True)
    assert seen["recorded inside"] is False
    assert MODE.default and MODE.grad_enabled  # every thread is back to the default mode


def test_detect_anomaly_in_one_thread_does_not_raise_in_another() -> None:
    def work() -> float:
        return Value(-1.0).log().data  # nan, as IEEE, with no anomaly mode here

    result, _ = in_other_thread(detect_anomaly, work)
    assert result != result
    with pytest.raises(FloatingPointError), detect_anomaly():
        Value(-1.0).log()


def test_a_new_thread_starts_recording_even_inside_no_grad() -> None:
    seen = {}

    def work() -> None:
        seen["grad"] = (Value(1.0) + 1).requires_grad
        seen["anomaly"] = MODE.anomaly

    with no_grad(), detect_anomaly():
        thread = threading.Thread(target=work)
        thread.start()
        thread.join(timeout=30)
        assert not (Value(1.0) + 1).requires_grad
    assert seen == {"grad": True, "anomaly": False}


def test_many_threads_switching_modes_each_see_their_own() -> None:
    barrier = threading.Barrier(8)
    wrong: list[str] = []

    def work(index: int) -> None:
        barrier.wait(timeout=30)
        for _ in range(200):
            if index % 2:
                with no_grad():
                    if (Value(1.0) * 2).requires_grad:
                        wrong.append("recorded under no_grad")
            elif not (Value(1.0) * 2).requires_grad:
                wrong.append("lost recording outside no_grad")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert wrong == []
    assert MODE.default


@pytest.mark.parametrize("decorate", [no_grad, no_grad()], ids=["bare", "called"])
def test_no_grad_decorates_with_or_without_parentheses(decorate: Any) -> None:
    @decorate
    def triple(x: Value) -> Value:
        """Triple x."""
        return x * 3

    assert not triple(Value(1.0)).requires_grad
    assert triple.__doc__ == "Triple x."
    assert (Value(1.0) * 3).requires_grad


def test_enable_grad_records_inside_no_grad_and_restores_it() -> None:
    @enable_grad
    def recorded(x: Value) -> Value:
        return x * 3

    with no_grad():
        with enable_grad():
            assert (Value(1.0) * 2).requires_grad
        assert not (Value(1.0) * 2).requires_grad
        assert recorded(Value(1.0)).op == "*"
        assert not (Value(1.0) * 2).requires_grad
    assert chainrule.enable_grad is chainrule.engine.enable_grad is enable_grad


def test_one_instance_entered_twice_restores_on_each_exit() -> None:
    context = no_grad()
    with context:
        with context:
            assert not MODE.grad_enabled
        assert not MODE.grad_enabled
    assert MODE.grad_enabled and MODE.default


def test_on_a_generator_the_mode_holds_at_each_resume_only() -> None:
    x = Value(2.0)
    caller_recorded = []

    @no_grad
    def doubles(n: int) -> Iterator[Value]:
        for _ in range(n):
            yield x * 2

    items = []
    for item in doubles(3):
        items.append(item)
        caller_recorded.append((x * 5).requires_grad)  # the caller's code between items
    assert [i.requires_grad for i in items] == [False, False, False]
    assert caller_recorded == [True, True, True]

    @enable_grad()
    def recorded() -> Iterator[Value]:
        yield x * 2
        yield x * 3

    with no_grad():
        assert [i.op for i in recorded()] == ["*", "*"]
        assert not (x * 2).requires_grad


def test_a_generator_under_a_mode_sends_throws_closes_and_returns() -> None:
    log: list[Any] = []

    @no_grad
    def echo() -> Iterator[Any]:
        try:
            while True:
                try:
                    received = yield MODE.grad_enabled
                    log.append(received)
                except KeyError:
                    log.append(("caught", MODE.grad_enabled))
        finally:
            log.append(("closed", MODE.grad_enabled))

    gen = echo()
    assert next(gen) is False
    assert gen.send("hi") is False
    assert gen.throw(KeyError("k")) is False
    gen.close()
    assert log == ["hi", ("caught", False), ("closed", False)]
    assert MODE.grad_enabled

    @no_grad
    def finite() -> Iterator[int]:
        yield 1
        return 7

    gen2 = finite()
    next(gen2)
    with pytest.raises(StopIteration) as stop:
        next(gen2)
    assert stop.value.value == 7


def test_mode_decorator_rejects_a_non_callable() -> None:
    with pytest.raises(TypeError, match="no_grad"):
        no_grad(3)  # type: ignore[arg-type]


def test_the_mode_is_restored_after_an_exception_in_a_decorated_function() -> None:
    @no_grad
    def fails() -> None:
        raise RuntimeError("inside")

    with pytest.raises(RuntimeError):
        fails()
    assert MODE.grad_enabled and MODE.default


def test_the_collector_pause_ends_when_the_last_thread_leaves_it() -> None:
    import gc

    from chainrule.engine.mode import collector_paused

    assert gc.isenabled()
    first_in, second_out = threading.Event(), threading.Event()
    states: list[bool] = []

    def other() -> None:
        with collector_paused():
            first_in.set()
            second_out.wait(timeout=30)
            states.append(gc.isenabled())  # main's block has ended, this one has not

    thread = threading.Thread(target=other)
    thread.start()
    assert first_in.wait(timeout=30)
    with collector_paused():
        states.append(gc.isenabled())
    second_out.set()
    thread.join(timeout=30)
    assert states == [False, False]
    assert gc.isenabled()
