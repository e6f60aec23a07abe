"""train and graph refuse sizes that cannot fit in memory before building them; train -o saves
the model it trained (a batched one stays batched)."""

from __future__ import annotations

import json

import pytest

from chainrule.nn import batched, memory, save


@pytest.fixture
def two_gigabytes(monkeypatch):
    monkeypatch.setattr(memory, "available_memory", lambda: 2_000_000_000)


@pytest.fixture
def no_conversion(monkeypatch):
    """Fail the test if anything converts a batched MLP to Values."""

    def refuse(self):
        raise AssertionError("to_scalar was called")

    monkeypatch.setattr(batched.MLP, "to_scalar", refuse)


def test_scalar_training_too_big_for_memory_is_refused_up_front(
    run, user_error, two_gigabytes, no_conversion, monkeypatch
):
    from chainrule import nn

    def never(*args, **kwargs):
        raise AssertionError("the model was built")

    monkeypatch.setattr(nn, "MLP", never)
    line = user_error(run("train", "--hidden", "2000,2000", "--scalar"), 2)
    assert "training a scalar MLP 2 → 2000 → 2000 → 1 on 200 samples needs about" in line
    assert "more than the 2 GB available" in line and "drop --scalar" in line


def test_batched_training_too_big_for_memory_is_refused_up_front(run, user_error, two_gigabytes):
    line = user_error(run("train", "--hidden", "10000,10000"), 2)
    assert "training a batched MLP 2 → 10000 → 10000 → 1 on 200 samples needs about 8" in line
    assert "drop --scalar" not in line


def test_the_batch_size_is_what_one_step_holds(run, user_error, two_gigabytes):
    line = user_error(run("train", "--hidden", "100,100", "--scalar", "--samples", "1000"), 2)
    assert "on 1000 samples" in line
    result = run(
        "train", "--hidden", "100,100", "--scalar", "--samples", "1000", "--batch-size", "20",
        "--epochs", "0",
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def test_train_saves_a_batched_model_as_it_is(run, workdir, no_conversion):
    result = run("train", "--hidden", "4", "--epochs", "2", "-o", "m.json")
    assert result.exit_code == 0, result.output
    assert json.loads((workdir / "m.json").read_text())["kind"] == "batched.MLP"


def test_graph_draws_a_saved_batched_model(run, workdir):
    assert run("train", "--hidden", "3", "--epochs", "1", "-o", "m.json").exit_code == 0
    result = run("graph", "m.json", "--input", "0.5,-0.2", "-o", "g.gv")
    assert result.exit_code == 0, result.output
    assert "layers.0.neurons.2.w.1" in (workdir / "g.gv").read_text()


def test_graph_refuses_a_model_whose_graph_cannot_fit(run, user_error, workdir, monkeypatch):
    save(batched.MLP(2, [300, 300, 1], seed=0), workdir / "wide.json")
    monkeypatch.setattr(memory, "available_memory", lambda: 50_000_000)
    monkeypatch.setattr(batched.MLP, "to_scalar", lambda self: pytest.fail("converted"))
    line = user_error(run("graph", "wide.json", "--input", "1,2"), 2)
    assert "the graph of an MLP 2 → 300 → 300 → 1 needs about 84.2 MB of memory" in line
