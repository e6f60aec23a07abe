"""Losses against their closed forms and finite differences (BCE on both paths and PyTorch)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chainrule import Tensor, Value
from chainrule.engine.gradcheck import gradcheck
from chainrule.nn import losses
from chainrule.nn.losses import bce, bce_with_logits, cross_entropy, get_loss, hinge, mae, mse

PREDICTIONS = [0.3, -1.2, 2.5, 0.05]


def values(data):
    return [Value(x) for x in data]


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def clamped_log(x):
    return max(math.log(x), -100) if x > 0 else -100.0


def closed_bce(p, y):
    return -(y * clamped_log(p) + (1 - y) * clamped_log(1 - p))


def closed_bce_with_logits(z, y):
    return closed_bce(sigmoid(z), y)


CASES = [
    (mse, PREDICTIONS, [0.0, -1.0, 2.0, 1.0], lambda p, y: (p - y) ** 2),
    (mae, PREDICTIONS, [0.0, -1.0, 2.0, 1.0], lambda p, y: abs(p - y)),
    (hinge, PREDICTIONS, [1.0, -1.0, -1.0, 1.0], lambda s, y: max(0.0, 1 - s * y)),
    (bce, [0.2, 0.9, 0.5, 0.01], [0.0, 1.0, 1.0, 0.0], closed_bce),
    (bce_with_logits, PREDICTIONS, [1.0, 0.0, 1.0, 0.0], closed_bce_with_logits),
]


@pytest.mark.parametrize("loss, predictions, targets, term", CASES)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_closed_form(loss, predictions, targets, term, reduction):
    terms = [term(p, y) for p, y in zip(predictions, targets)]
    expected = sum(terms) / (len(terms) if reduction == "mean" else 1)
    result = loss(values(predictions), targets, reduction=reduction)
    assert result.data == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("loss, predictions, targets, term", CASES)
def test_gradients_match_finite_differences(loss, predictions, targets, term):
    assert gradcheck(lambda *ps: loss(list(ps), targets), values(predictions))


def test_one_sample_as_a_value_and_a_number():
    assert mse(Value(3.0), 1.0).data == 4.0


def test_bce_with_logits_is_stable_and_smooth_at_zero():
    loss = bce_with_logits([Value(1000.0), Value(-1000.0)], [0.0, 1.0], reduction="sum")
    assert loss.data == pytest.approx(2000.0)
    z = Value(0.0)
    bce_with_logits([z], [1.0]).backward()
    assert z.grad == pytest.approx(sigmoid(0.0) - 1.0)  # σ(z) − y, also at the kink of |z|
    z = Value(-1000.0)
    bce_with_logits([z], [1.0]).backward()
    assert z.grad == pytest.approx(-1.0)


def pytorch_bce_gradient(p, y):
    """PyTorch's BCELoss backward (aten Loss.cpp): (p − y) / max(p(1 − p), 1e-12f)."""
    return (p - y) / max(p * (1 - p), float(np.float32(1e-12)))


BCE_EDGES = [  # (p, y): at and near the ends of [0, 1], where the logs are clamped or steep
    (0.0, 1.0),
    (0.0, 0.0),
    (1.0, 1.0),
    (1.0, 0.0),
    (0.0, 0.3),
    (1e-13, 1.0),
    (1e-50, 1.0),
    (1 - 2**-53, 0.0),
    (1e-6, 1.0),
    (0.3, 0.7),
]


@pytest.mark.parametrize("p, y", BCE_EDGES)
def test_bce_is_pytorchs_at_the_ends_on_both_paths(p, y):
    """A maximally wrong prediction gets a signal (−1e12 at p = 0, y = 1), as PyTorch's."""
    scalar = Value(p)
    loss = bce(scalar, y)
    loss.backward()
    batched = Tensor([p, 0.5], requires_grad=True)  # an edge beside a plain element
    batched_loss = bce(batched, [y, 1.0], reduction="sum")
    batched_loss.backward()
    expected = closed_bce(p, y)
    assert loss.data == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert batched_loss.item() == pytest.approx(expected + math.log(2), rel=1e-12)
    gradient = pytorch_bce_gradient(p, y)
    assert scalar.grad == pytest.approx(gradient, rel=1e-9)
    assert batched.grad.tolist() == pytest.approx([gradient, -2.0], rel=1e-9)


def test_bce_propagates_nan_on_both_paths():
    batch = [Value(math.nan), Value(0.5)]
    loss = bce(batch, [1, 1])
    assert math.isnan(loss.data)
    assert math.isnan(bce(Tensor([math.nan, 0.5]), [1, 1]).item())
    single = Value(math.nan)
    loss = bce(single, 1.0)
    assert math.isnan(loss.data) and loss.requires_grad  # not a constant 100
    loss.backward()
    assert math.isnan(single.grad)


def test_bce_against_pytorch():
    torch = pytest.importorskip("torch", reason="optional: PyTorch float64 as a second oracle")
    ps = [0.0, 1.0, 1e-13, 1e-50, 0.2, 0.999999, 1.0, 0.0, 0.5]
    ys = [1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.25]
    reference = torch.tensor(ps, dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.binary_cross_entropy(
        reference, torch.tensor(ys, dtype=torch.float64), reduction="sum"
    )
    expected.backward()
    scalars = values(ps)
    loss = bce(scalars, ys, reduction="sum")
    loss.backward()
    batched = Tensor(ps, requires_grad=True)
    batched_loss = bce(batched, ys, reduction="sum")
    batched_loss.backward()
    assert loss.data == pytest.approx(expected.item(), rel=1e-12)
    assert batched_loss.item() == pytest.approx(expected.item(), rel=1e-12)
    assert [v.grad for v in scalars] == pytest.approx(reference.grad.tolist(), rel=1e-9)
    assert batched.grad.tolist() == pytest.approx(reference.grad.tolist(), rel=1e-9)


def test_cross_entropy_closed_form_and_stability():
    logits = [[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]
    targets = [1, 2]
    expected = 0.0
    for row, t in zip(logits, targets):
        expected += -(row[t] - math.log(sum(math.exp(z) for z in row)))
    result = cross_entropy([values(row) for row in logits], targets)
    assert result.data == pytest.approx(expected / 2)
    huge = cross_entropy(values([1000.0, 0.0]), 1)
    assert huge.data == pytest.approx(1000.0)


def test_cross_entropy_gradient_is_softmax_minus_one_hot():
    row = values([1.0, 2.0, 0.5])
    cross_entropy(row, 0).backward()
    total = sum(math.exp(v.data) for v in row)
    expected = [math.exp(v.data) / total - (1.0 if i == 0 else 0.0) for i, v in enumerate(row)]
    assert [v.grad for v in row] == pytest.approx(expected)
    assert gradcheck(lambda *zs: cross_entropy([list(zs)] * 2, [2, 1]), values([0.1, -0.4, 2.0]))


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="hinge needs targets in"):
        hinge(values([1.0]), [0.0])
    with pytest.raises(ValueError, match="2 predictions but 1 targets"):
        mse(values([1.0, 2.0]), [0.0])
    with pytest.raises(ValueError, match="reduction"):
        mse(values([1.0]), [0.0], reduction="max")
    with pytest.raises(ValueError, match="class index 3 out of range"):
        cross_entropy(values([1.0, 2.0]), 3)
    with pytest.raises(ValueError, match="unknown loss 'l2'; known: mse"):
        get_loss("l2")


def test_get_loss():
    assert get_loss("hinge") is hinge
    assert get_loss(mse) is mse
    assert set(losses.LOSSES) == {"mse", "mae", "bce", "bce_with_logits", "cross_entropy", "hinge"}
