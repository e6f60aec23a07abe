"""Optimizers against hand-computed steps and PyTorch trajectories; schedules against formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest

from chainrule import Tensor, Value
from chainrule.nn import SGD, Adam, AdamW, CosineAnnealingLR, ExponentialLR, RMSProp, StepLR
from chainrule.nn.optim import RMSprop


def one_parameter(data=1.0, grad=0.5):
    p = Value(data)
    p.grad = grad
    return p


def test_sgd_first_step_by_hand():
    p = one_parameter()
    SGD([p], lr=0.1, weight_decay=0.2).step()
    assert p.data == pytest.approx(1.0 - 0.1 * (0.5 + 0.2 * 1.0))


def test_sgd_momentum_by_hand():
    p = one_parameter()
    optimizer = SGD([p], lr=0.1, momentum=0.9)
    optimizer.step()  # the buffer starts as the gradient: b = 0.5
    assert p.data == pytest.approx(0.95)
    optimizer.step()  # b = 0.9·0.5 + 0.5 = 0.95
    assert p.data == pytest.approx(0.95 - 0.095)


def test_nesterov_by_hand():
    p = one_parameter()
    SGD([p], lr=0.1, momentum=0.9, nesterov=True).step()  # g + μ·b = 0.5 + 0.45
    assert p.data == pytest.approx(1.0 - 0.1 * 0.95)


def test_adam_first_step_is_lr_times_sign():
    # m̂ = g and v̂ = g² after bias correction, so the step is lr·g/(|g| + ε).
    p = one_parameter(grad=-3.0)
    Adam([p], lr=0.01).step()
    assert p.data == pytest.approx(1.0 + 0.01 * 3.0 / (3.0 + 1e-8), rel=1e-14)


def test_adamw_decays_the_weight_before_the_step():
    p = one_parameter(grad=2.0)
    AdamW([p], lr=0.1, weight_decay=0.5).step()
    assert p.data == pytest.approx(1.0 * (1 - 0.05) - 0.1 * 2.0 / (2.0 + 1e-8))


def test_rmsprop_first_step_by_hand():
    p = one_parameter(grad=2.0)
    RMSProp([p], lr=0.01, alpha=0.9).step()  # v = 0.1·4
    assert p.data == pytest.approx(1.0 - 0.01 * 2.0 / (math.sqrt(0.4) + 1e-8))
    assert RMSprop is RMSProp


def test_zero_grad_and_tensor_parameters_are_updated_in_place():
    t = Tensor([1.0, 2.0], requires_grad=True)
    storage = t.data
    optimizer = Adam([t], lr=0.1)
    optimizer.step()  # grad None: skipped
    assert t.data.tolist() == [1.0, 2.0]
    t.grad = np.array([1.0, -1.0])
    optimizer.step()
    assert t.data is storage
    assert t.data == pytest.approx([0.9, 2.1])
    optimizer.zero_grad()
    assert t.grad is None


def test_errors():
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match="learning rate"):
        SGD([Value(1.0)], lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        SGD([Value(1.0)], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        Adam([Value(1.0)], betas=(1.0, 0.9))


def test_schedules_follow_their_formulas():
    def run(schedule_type, **kwargs):
        optimizer = SGD([Value(0.0)], lr=0.5)
        schedule = schedule_type(optimizer, **kwargs)
        lrs = [schedule.get_last_lr()[0]]
        for _ in range(12):
            schedule.step()
            lrs.append(optimizer.lr)
        return lrs

    assert run(StepLR, step_size=3, gamma=0.1) == pytest.approx(
        [0.5 * 0.1 ** (t // 3) for t in range(13)], rel=1e-12
    )
    assert run(ExponentialLR, gamma=0.9) == pytest.approx(
        [0.5 * 0.9**t for t in range(13)], rel=1e-12
    )
    closed = [0.01 + (0.5 - 0.01) * (1 + math.cos(math.pi * t / 5)) / 2 for t in range(13)]
    assert run(CosineAnnealingLR, T_max=5, eta_min=0.01) == pytest.approx(closed, rel=1e-12)


# ------------------------------------------------------------------------ against PyTorch
def quadratic_problem():
    """A small least-squares problem with a fixed target: loss = Σ_i (a_i·θ_i² − b_i·θ_i)."""
    rng = np.random.default_rng(0)
    return rng.normal(size=5), rng.normal(size=5), rng.normal(size=5)


CONFIGURATIONS = [
    (SGD, "SGD", {"lr": 0.1}),
    (SGD, "SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
    (SGD, "SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    (RMSProp, "RMSprop", {}),
    (RMSProp, "RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    (Adam, "Adam", {"lr": 0.05}),
    (Adam, "Adam", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}),
    (AdamW, "AdamW", {"lr": 0.05}),
    (AdamW, "AdamW", {"lr": 0.05, "weight_decay": 0.5}),
    (AdamW, "AdamW", {"lr": 0.05, "betas": (0.8, 0.99), "amsgrad": True}),
]


@pytest.mark.parametrize("ours, theirs, kwargs", CONFIGURATIONS)
def test_tensor_update_in_place_equals_the_scalar_update(ours, theirs, kwargs):
    # the in-place array update is the same arithmetic as the float one, bit for bit, and
    # leaves the gradient arrays it reads as they were
    start, a, b = quadratic_problem()
    tensor = Tensor(start, requires_grad=True)
    values = [Value(x) for x in start]
    tensor_optimizer, value_optimizer = ours([tensor], **kwargs), ours(values, **kwargs)
    for step in range(4):
        grad = a * (tensor.data - b) + step
        tensor.grad, kept = grad, grad.copy()
        for v, g in zip(values, grad.tolist()):
            v.grad = g
        tensor_optimizer.step()
        value_optimizer.step()
        assert tensor.grad is grad and np.array_equal(grad, kept)
        assert [x.hex() for x in tensor.data.tolist()] == [v.data.hex() for v in values]


@pytest.mark.parametrize("ours, theirs, kwargs", CONFIGURATIONS)
def test_trajectory_equals_pytorch(ours, theirs, kwargs):
    torch = pytest.importorskip("torch")
    start, a, b = quadratic_problem()
    params = [Value(x) for x in start]
    optimizer = ours(params, **kwargs)
    reference = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    reference_optimizer = getattr(torch.optim, theirs)([reference], **kwargs)
    for _ in range(30):
        optimizer.zero_grad()
        loss = sum(ai * p * p - bi * p + 0.1 * (p * p) ** 2 for p, ai, bi in zip(params, a, b))
        loss.backward()
        optimizer.step()
        reference_optimizer.zero_grad()
        at, bt = torch.tensor(a), torch.tensor(b)
        (at * reference**2 - bt * reference + 0.1 * reference**4).sum().backward()
        reference_optimizer.step()
    ours_data = [p.data for p in params]
    assert ours_data == pytest.approx(reference.detach().numpy().tolist(), abs=1e-12, rel=1e-12)


@pytest.mark.parametrize(
    "ours, theirs, kwargs",
    [
        (StepLR, "StepLR", {"step_size": 4, "gamma": 0.3}),
        (ExponentialLR, "ExponentialLR", {"gamma": 0.9}),
        (CosineAnnealingLR, "CosineAnnealingLR", {"T_max": 7, "eta_min": 0.001}),
    ],
)
def test_schedules_equal_pytorch(ours, theirs, kwargs):
    torch = pytest.importorskip("torch")
    optimizer = SGD([Value(0.0)], lr=0.3)
    schedule = ours(optimizer, **kwargs)
    reference_optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.3)
    reference = getattr(torch.optim.lr_scheduler, theirs)(reference_optimizer, **kwargs)
    for _ in range(30):
        reference_optimizer.step()
        reference.step()
        schedule.step()
        assert schedule.get_last_lr()[0] == pytest.approx(reference.get_last_lr()[0], rel=1e-13)


@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=0.1, momentum=0.9), lambda p: Adam(p)])
def test_a_step_after_create_graph_uses_the_gradients_numbers(make):
    # backward(create_graph=True) leaves Values (Tensors) in .grad: the step reads their data
    runs = {}
    for create_graph in (True, False):
        value, tensor = Value(2.0), Tensor([1.0, -3.0], requires_grad=True)
        optimizer = make([value, tensor])
        for _ in range(2):
            optimizer.zero_grad()
            (value * value).tanh().backward(create_graph=create_graph)
            (tensor * tensor).tanh().sum().backward(create_graph=create_graph)
            optimizer.step()
        runs[create_graph] = value, tensor
    (value, tensor), (reference_value, reference_tensor) = runs[True], runs[False]
    assert type(value.data) is float and value.data == reference_value.data
    np.testing.assert_array_equal(tensor.data, reference_tensor.data)
