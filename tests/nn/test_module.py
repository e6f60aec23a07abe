"""Module: parameter discovery, zero_grad, state dicts."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import Tensor, Value
from chainrule.nn import MLP, Module


def test_named_parameters_are_stable_and_complete():
    model = MLP(2, [3, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    assert names[-1] == "layers.1.neurons.0.b"
    assert len(names) == len(set(names)) == 3 * 3 + 4


def test_zero_grad():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_state_dict_round_trip():
    model, other = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
    other.load_state_dict(model.state_dict())
    assert other([0.3, -0.7]).data == model([0.3, -0.7]).data


def test_load_state_dict_is_strict():
    model = MLP(2, [3, 1], seed=0)
    state = model.state_dict()
    missing = dict(state)
    del missing["layers.0.neurons.0.b"]
    with pytest.raises(ValueError, match="missing keys layers.0.neurons.0.b"):
        model.load_state_dict(missing)
    with pytest.raises(ValueError, match="unexpected keys extra"):
        model.load_state_dict({**state, "extra": 1.0})
    with pytest.raises(ValueError, match="shape mismatch"):
        model.load_state_dict({**state, "layers.0.neurons.0.b": [1.0, 2.0]})
    with pytest.raises(TypeError, match="expected a number"):
        model.load_state_dict({**state, "layers.0.neurons.0.b": "1"})
    before = model.state_dict()
    with pytest.raises(ValueError):  # nothing is assigned when one entry is bad
        model.load_state_dict({**{k: 9.0 for k in state}, "layers.0.neurons.0.b": [1.0]})
    assert model.state_dict() == before


class Mixed(Module):
    def __init__(self):
        self.weight = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        self.inputs = Tensor([1.0])  # requires no grad: not a parameter
        self.scale = Value(2.0)
        self.frozen = Value(1.0, requires_grad=False)
        self.blocks = [MLP(1, [1], seed=0)]


def test_array_parameters_and_nested_lists():
    model = Mixed()
    names = [name for name, _ in model.named_parameters()]
    assert names == [
        "weight",
        "scale",
        "blocks.0.layers.0.neurons.0.w.0",
        "blocks.0.layers.0.neurons.0.b",
    ]
    state = model.state_dict()
    storage = model.weight.data
    state["weight"] = np.zeros((2, 2))
    model.load_state_dict(state)
    assert model.weight.data is storage and not storage.any()
    with pytest.raises(ValueError, match=r"weight: shape mismatch, expected \(2, 2\), got \(4,\)"):
        model.load_state_dict({**state, "weight": [0.0] * 4})
    model.weight.grad = np.ones((2, 2))
    model.zero_grad()
    assert model.weight.grad is None and model.scale.grad == 0.0
