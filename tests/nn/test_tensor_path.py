"""Losses, activations, optimizers and fit on chainrule Tensors agree with the scalar path."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import Value
from chainrule.engine.gradcheck import gradcheck
from chainrule.engine.tensor import Tensor
from chainrule.nn import SGD, Adam, Module, fit, get_activation, losses
from chainrule.nn.data import make_xor

CASES = [
    ("mse", [0.3, -1.2, 2.5, 0.05], [0.0, -1.0, 2.0, 1.0]),
    ("mae", [0.3, -1.2, 2.5, 0.05], [0.0, -1.0, 2.0, 1.0]),
    ("hinge", [0.3, -1.2, 2.5, 0.05], [1.0, -1.0, -1.0, 1.0]),
    ("bce", [0.2, 0.9, 0.5, 0.0], [0.0, 1.0, 1.0, 1.0]),
    ("bce_with_logits", [0.3, -1.2, 0.0, -800.0], [1.0, 0.0, 1.0, 1.0]),
]


@pytest.mark.parametrize("name, predictions, targets", CASES)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_losses_agree_with_the_scalar_path(name, predictions, targets, reduction):
    loss = losses.get_loss(name)
    tensor = Tensor(predictions, requires_grad=True)
    batched = loss(tensor, np.array(targets), reduction=reduction)
    batched.backward()
    scalars = [Value(x) for x in predictions]
    scalar = loss(scalars, targets, reduction=reduction)
    scalar.backward()
    assert batched.item() == pytest.approx(scalar.data, rel=1e-12)
    assert tensor.grad == pytest.approx([v.grad for v in scalars], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name, predictions, targets", CASES[:3] + CASES[4:])
def test_tensor_loss_gradients_match_finite_differences(name, predictions, targets):
    loss = losses.get_loss(name)
    column = Tensor(np.array(predictions[:3]).reshape(3, 1), requires_grad=True)
    assert gradcheck(lambda p: loss(p, np.array(targets[:3])), [column])


def test_cross_entropy_agrees_with_the_scalar_path():
    logits = [[1.0, 2.0, 0.5], [0.0, -1.0, 3.0], [1000.0, 0.0, -5.0]]
    targets = [1, 2, 1]
    tensor = Tensor(logits, requires_grad=True)
    batched = losses.cross_entropy(tensor, np.array(targets))
    batched.backward()
    rows = [[Value(x) for x in row] for row in logits]
    scalar = losses.cross_entropy(rows, targets)
    scalar.backward()
    assert batched.item() == pytest.approx(scalar.data, rel=1e-12)
    assert np.allclose(tensor.grad, [[v.grad for v in row] for row in rows], rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="reduction"):
        losses.cross_entropy(tensor, targets, reduction="max")


@pytest.mark.parametrize("name", ["mse", "mae", "hinge", "bce", "bce_with_logits"])
def test_tensor_losses_refuse_a_target_count_the_scalar_path_refuses(name):
    loss = losses.get_loss(name)
    # (2, 2) predictions against 2 targets would broadcast to a wrong loss: refused
    with pytest.raises(ValueError, match="4 predictions but 2 targets"):
        loss(Tensor(np.full((2, 2), 0.5)), [1.0, 1.0])
    with pytest.raises(ValueError, match="4 predictions but 2 targets"):
        loss([Value(0.5)] * 4, [1.0, 1.0])
    with pytest.raises(ValueError, match="empty batch"):
        loss(Tensor(np.zeros(0)), [])


def test_tensor_cross_entropy_refuses_fractional_class_indices():
    logits = Tensor(np.zeros((2, 3)), requires_grad=True)
    with pytest.raises(TypeError, match="integer class indices"):
        losses.cross_entropy(logits, [0.5, 1.7])  # was silently truncated to [0, 1]
    whole = losses.cross_entropy(logits, np.array([0.0, 2.0]))  # integral floats are indices
    assert whole.item() == pytest.approx(np.log(3.0))


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "sigmoid", "tanh", "gelu", "linear"])
def test_activations_on_tensors(name):
    data = [-1.5, 0.0, 2.0]
    tensor = get_activation(name)(Tensor(data))
    assert tensor.data == pytest.approx([get_activation(name)(Value(x)).data for x in data])


def test_softmax_on_a_tensor_is_along_the_last_axis():
    probabilities = get_activation("softmax")(Tensor([[1.0, 2.0], [3.0, 3.0]]))
    assert probabilities.data.sum(axis=1) == pytest.approx([1.0, 1.0])


@pytest.mark.parametrize("optimizer_type", [SGD, Adam])
def test_optimizers_update_tensors_in_place_like_values(optimizer_type):
    start = [0.5, -1.0, 2.0]
    tensor = Tensor(start, requires_grad=True)
    storage = tensor.data
    values = [Value(x) for x in start]
    ours, reference = optimizer_type([tensor], lr=0.1), optimizer_type(values, lr=0.1)
    for _ in range(5):
        ours.zero_grad()
        reference.zero_grad()
        (tensor * tensor * tensor).sum().backward()
        sum(v * v * v for v in values).backward()
        ours.step()
        reference.step()
    assert tensor.data is storage
    assert tensor.data == pytest.approx([v.data for v in values], rel=1e-14)


class BatchedLinear(Module):
    """A minimal batched model: one Tensor layer, called on the whole batch."""

    batched = True

    def __init__(self, nin, hidden):
        rng = np.random.default_rng(0)
        self.weight = Tensor(rng.normal(size=(nin, hidden)), requires_grad=True)
        self.bias = Tensor(np.zeros(hidden), requires_grad=True)
        self.out = Tensor(rng.normal(size=(hidden, 1)) / hidden, requires_grad=True)

    def __call__(self, x):
        return (x @ self.weight + self.bias).tanh() @ self.out


def test_fit_calls_a_batched_model_on_the_whole_batch():
    X, y = make_xor(40, seed=0)
    model = BatchedLinear(2, 8)
    history = fit(
        model, X, y, loss="bce_with_logits", optimizer=Adam(model.parameters(), lr=0.1), epochs=60
    )
    assert history.accuracy[-1] == 1.0
    assert history.loss[-1] < history.loss[0]
