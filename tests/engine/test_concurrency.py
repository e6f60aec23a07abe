"""Backward passes from several threads on graphs that share nodes, and weak references."""

from __future__ import annotations

import gc
import sys
import threading
import weakref
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from chainrule import Tensor, Value
from chainrule.engine import graph

THREADS = 6
PASSES = 5
LENGTH = 300


@pytest.fixture(autouse=True)
def switch_often() -> Iterator[None]:
    """Let threads switch every microsecond, so unguarded passes would interleave."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


def run_threads(work: Callable[[int], None], count: int = THREADS) -> None:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def start(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(index)
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=start, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []


def shared_chain(x: Value) -> Value:
    """h = x + x + … (LENGTH + 1 terms) through LENGTH shared nodes: dh/dx = LENGTH + 1."""
    h = x
    for _ in range(LENGTH):
        h = h + x
    return h


def test_concurrent_value_passes_give_the_sum_of_sequential_ones() -> None:
    x, w = Value(2.0, label="x"), Value(3.0, label="w")
    h = shared_chain(x)
    roots = [h * w * (k + 1) for k in range(THREADS)]  # each thread its own root, shared body

    def passes(index: int) -> None:
        for _ in range(PASSES):
            roots[index].backward()

    run_threads(passes)
    # Every contribution is a small integer, so the sums are exact in any order.
    scale = sum(k + 1 for k in range(THREADS)) * PASSES
    assert x.grad == (LENGTH + 1) * w.data * scale
    assert w.grad == h.data * scale


def test_concurrent_tensor_passes_give_the_sum_of_sequential_ones() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x
    for _ in range(LENGTH):
        h = h + x
    roots = [(h * (k + 1)).sum() for k in range(THREADS)]

    def passes(index: int) -> None:
        for _ in range(PASSES):
            roots[index].backward()

    run_threads(passes)
    scale = sum(k + 1 for k in range(THREADS)) * PASSES
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad, np.full(3, (LENGTH + 1) * scale))


def test_a_pass_in_steps_holds_off_other_threads_until_it_is_exhausted() -> None:
    x = Value(2.0, label="x")
    h = shared_chain(x)
    stepping = graph.backward_steps(h * 1)
    first = next(stepping)  # the pass has started: the lock is this thread's until the end
    other = threading.Thread(target=(h * 2).backward)
    other.start()
    other.join(timeout=0.2)
    assert other.is_alive()  # waiting for this pass, not writing into its gradients
    grads = [first.grad] + [step.grad for step in stepping]
    assert grads == [1.0] * (LENGTH + 1)  # every node of the chain saw exactly this pass's 1
    other.join(timeout=60)
    assert x.grad == (LENGTH + 1) * 3


def test_a_pass_abandoned_half_way_lets_other_passes_run() -> None:
    x = Value(2.0)
    stepping = graph.backward_steps(shared_chain(x))
    next(stepping)
    del stepping  # closed by reference counting: its lock is released
    gc.collect()
    done = threading.Thread(target=(x * 3).backward)
    done.start()
    done.join(timeout=60)
    assert not done.is_alive()


@pytest.mark.parametrize(
    "make", [lambda: Value(1.0), lambda: Tensor([1.0])], ids=["Value", "Tensor"]
)
def test_values_and_tensors_accept_weak_references(make: Callable[[], object]) -> None:
    node = make()
    ref = weakref.ref(node)
    assert ref() is node
    cache = weakref.WeakKeyDictionary({node: "seen"})
    assert cache[node] == "seen"
    del node
    gc.collect()
    assert ref() is None and len(cache) == 0
