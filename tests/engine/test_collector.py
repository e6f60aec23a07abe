"""The collector pause while a graph is recorded: on for big graphs, over after backward."""

from __future__ import annotations

import gc

import pytest

from chainrule import Tensor, Value, no_grad
from chainrule.engine.mode import collector_paused, graph_done

BIG = 3 * gc.get_threshold()[0]  # more nodes than the collector's first threshold


@pytest.fixture(autouse=True)
def collector_on():
    """Each test starts with the collector on and no recording pause, and leaves it so."""
    graph_done()
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    graph_done()
    (gc.enable if was_enabled else gc.disable)()


def chain(x: Value, length: int) -> Value:
    for _ in range(length):
        x = x * 1.0001 + 0.5
    return x


def test_recording_a_big_graph_pauses_the_collector_until_backward():
    x = Value(0.1)
    y = chain(x, BIG)
    assert not gc.isenabled()  # paused while the graph grows
    y.backward()
    assert gc.isenabled()  # as the user had it


def test_a_small_graph_leaves_the_collector_alone():
    x = Value(0.1)
    y = chain(x, 10)
    assert gc.isenabled()
    y.backward()
    assert gc.isenabled()


def test_a_collector_the_user_turned_off_stays_off():
    gc.disable()
    y = chain(Value(0.1), BIG)
    y.backward()
    assert not gc.isenabled()


def test_freeing_the_graph_without_backward_ends_the_pause():
    y = chain(Value(0.1), BIG)
    assert not gc.isenabled()
    del y  # evaluation with grad on, or a graph drawn and dropped
    assert gc.isenabled()


def test_a_user_loop_runs_few_collections():
    collections = []

    def count(phase, info):
        if phase == "start":
            collections.append(info["generation"])

    gc.callbacks.append(count)
    try:
        w = Value(0.5)
        for _ in range(5):  # the previous graph stays alive while the next is built
            loss = chain(w, 20 * BIG)
            loss.backward()
            assert gc.isenabled()
    finally:
        gc.callbacks.remove(count)
    # unpaused, each step of 60·threshold nodes would start ≥ 60 collections, some full ones
    assert len(collections) <= 3 * 5
    assert 2 not in collections


def test_a_pause_shared_with_a_block_restores_once_both_are_over():
    with collector_paused():
        y = chain(Value(0.1), BIG)
        y.backward()
        assert not gc.isenabled()  # the block still holds it
    assert gc.isenabled()
    y = chain(Value(0.1), BIG)
    with collector_paused():
        y.backward()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_no_grad_records_nothing_and_pauses_nothing():
    with no_grad():
        chain(Value(0.1), BIG)
        assert gc.isenabled()


def test_tensor_graphs_end_the_pause_at_their_backward_too():
    t = Tensor([1.0, 2.0], requires_grad=True)
    for _ in range(BIG):
        t = t * 1.0 + 0.0
    assert not gc.isenabled()
    t.sum().backward()
    assert gc.isenabled()


def test_gc_collect_still_runs_during_the_pause():
    y = chain(Value(0.1), BIG)

    class Cycle:
        pass

    a = Cycle()
    a.self = a  # type: ignore[attr-defined]
    del a
    assert gc.collect() >= 1
    y.backward()


def test_grad_ends_the_pause_as_backward_does():
    # chainrule.grad is a backward pass too: a loop driven by it must not keep the collector off
    from chainrule import grad

    x = Value(0.1)
    y = chain(x, BIG)
    assert not gc.isenabled()
    (g,) = grad(y, [x])
    assert gc.isenabled()
    z = chain(x, BIG)
    (g,) = grad(z, [x], create_graph=True)
    assert gc.isenabled()


def test_a_graph_kept_without_backward_pauses_the_collector_only_for_a_while(monkeypatch):
    # predictions kept with their graphs (no no_grad()), or a traceback holding a forward's
    # frames, would otherwise keep the collector off for as long as they live
    import time

    from chainrule.engine import mode

    monkeypatch.setattr(mode, "PAUSE_LIMIT", 0.05)
    kept = chain(Value(0.1), BIG)
    assert not gc.isenabled()
    deadline = time.monotonic() + 10
    while not gc.isenabled() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert gc.isenabled()
    assert kept.data > 0  # the graph is still alive: the limit ended the pause


def test_the_collection_hook_takes_no_lock_the_thread_may_hold():
    # from Python 3.12 a collection can start inside `with MODE._lock:` in the same thread;
    # a hook that took that (non-re-entrant) lock would hang the process
    import threading

    from chainrule.engine import mode

    chain(Value(0.1), 10)  # nodes created since the last collection
    mode._GraphPause.last_serial = 0
    done = threading.Event()

    def collect_while_holding_the_lock() -> None:
        with mode.MODE._lock:
            mode._on_collection("start", {"generation": 0})
        done.set()

    worker = threading.Thread(target=collect_while_holding_the_lock, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert done.is_set()
    assert mode._GraphPause.armed and not mode.MODE.plain  # armed all the same
