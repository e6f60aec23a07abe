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
