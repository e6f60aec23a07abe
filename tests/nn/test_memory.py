"""Memory estimates of MLPs, and refusing what cannot fit before building it."""

from __future__ import annotations

import pytest

from chainrule.nn import MLP, memory
from chainrule.nn.layers import mlp_parameter_count


def test_the_scalar_estimate_grows_with_weights_and_samples():
    weights = mlp_parameter_count(2, [16, 16, 1])
    one = memory.mlp_bytes(2, [16, 16, 1], batched=False)
    assert one == weights * (memory.SCALAR_BYTES_PER_WEIGHT + memory.SCALAR_GRAPH_BYTES_PER_WEIGHT)
    assert memory.mlp_bytes(2, [16, 16, 1], batched=False, samples=200) > 100 * one


def test_the_batched_estimate_is_far_smaller_than_the_scalar_one():
    scalar = memory.mlp_bytes(2, [2000, 2000, 1], batched=False, samples=200)
    wide = memory.mlp_bytes(2, [2000, 2000, 1], batched=True, samples=200)
    assert scalar > 400e9 and wide < 1e9


def test_the_scalar_estimate_covers_a_real_model():
    """Not a timing: the estimate must not be below what the Values of a model really hold."""
    import gc
    import tracemalloc

    gc.collect()
    tracemalloc.start()
    model = MLP(2, [40, 40, 1], seed=0)
    model([0.5, -0.5]).backward()
    used, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert used <= memory.mlp_bytes(2, [40, 40, 1], batched=False)


def test_check_fits_names_both_figures(monkeypatch):
    monkeypatch.setattr(memory, "available_memory", lambda: 2_000_000_000)
    memory.check_fits(1_999_999_999, "a job", "do less")
    with pytest.raises(ValueError, match=r"a job needs about 3 GB of memory, more than the 2 GB "
                                         r"available: do less"):  # fmt: skip
        memory.check_fits(3_000_000_000, "a job", "do less")


def test_unknown_memory_refuses_nothing(monkeypatch):
    monkeypatch.setattr(memory, "available_memory", lambda: None)
    memory.check_fits(10**18, "a job", "do less")


def test_available_memory_is_read_on_linux():
    available = memory.available_memory()
    assert available is None or available > 0
