"""Higher-order gradients on Tensors: every op twice by finite differences, both paths agreeing."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import Tensor, Value, grad, gradgradcheck
from chainrule.engine.ops import OPS
from chainrule.engine.tensor import cross_entropy
from tests.engine.test_tensor_gradients import (
    BINARY,
    SHAPE_PAIRS,
    UNARY_CASES,
    domain_tensor,
    tensor,
)


def first_derivatives_agree(build, inputs):
    """backward() and backward(create_graph=True) give the same gradients (to 1e-15)."""
    fast = [Tensor(x.data, requires_grad=True) for x in inputs]
    build(*fast).sum().backward()
    graph = [Tensor(x.data, requires_grad=True) for x in inputs]
    build(*graph).sum().backward(create_graph=True)
    for a, b in zip(fast, graph):
        assert isinstance(b.grad, Tensor)
        np.testing.assert_allclose(b.grad.data, a.grad, rtol=1e-15, atol=0.0)


@pytest.mark.parametrize("op", list(BINARY))
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_binary_ops_twice(op, shapes):
    a = tensor(shapes[0], seed=1, low=0.5, high=2.0)
    b = tensor(shapes[1], seed=2, low=0.5, high=2.0)
    assert gradgradcheck(BINARY[op], [a, b], rtol=1e-4)
    first_derivatives_agree(BINARY[op], [a, b])


@pytest.mark.parametrize("case", UNARY_CASES, ids=str)
@pytest.mark.parametrize("shape", [(), (5,), (2, 3)], ids=str)
def test_unary_ops_twice(case, shape):
    x = domain_tensor(case, shape, seed=4)
    assert gradgradcheck(case.build, [x], rtol=1e-4)
    first_derivatives_agree(case.build, [x])


@pytest.mark.parametrize(
    "build",
    [
        lambda a, b: a @ b,
        lambda a, b: (a @ b).tanh() * a.sum(),
        lambda a, b: a[0] @ b,
        lambda a, b: a @ b[:, 0],
        lambda a, b: a[1] @ b[:, 1],
    ],
    ids=["matrix", "tanh", "vector-matrix", "matrix-vector", "dot"],
)
def test_matmul_twice(build):
    a, b = tensor((2, 3), seed=5), tensor((3, 4), seed=6)
    assert gradgradcheck(build, [a, b], rtol=1e-4)
    first_derivatives_agree(build, [a, b])


@pytest.mark.parametrize("reduction", ["sum", "mean", "max"])
@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (1, True)])
def test_reductions_twice(reduction, axis, keepdims):
    def build(a):
        return getattr(a * a, reduction)(axis=axis, keepdims=keepdims)

    x = tensor((2, 3, 4), seed=8)
    assert gradgradcheck(build, [x], rtol=1e-4)
    first_derivatives_agree(build, [x])


@pytest.mark.parametrize(
    "build",
    [
        lambda a: (a * a).reshape(3, 4),
        lambda a: (a * a).transpose(1, 0, 2),
        lambda a: (a * a)[:, 0],
        lambda a: (a * a)[np.array([0, 1, 0])],  # a repeated row: scatter adds up
        lambda a: (a * a)[a.data > 0],
    ],
    ids=["reshape", "transpose", "column", "repeated", "mask"],
)
def test_shape_ops_and_indexing_twice(build):
    x = tensor((2, 3, 2), seed=9)
    assert gradgradcheck(build, [x], rtol=1e-4)
    first_derivatives_agree(build, [x])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [0, -1])
def test_softmax_twice(name, axis):
    def build(a):
        return getattr(a, name)(axis=axis)

    x = tensor((3, 4), seed=10)
    assert gradgradcheck(build, [x], rtol=1e-4)
    first_derivatives_agree(build, [x])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_twice(reduction):
    def build(z):
        return cross_entropy(z, [0, 3, 1], reduction=reduction)

    logits = tensor((3, 4), seed=12)
    assert gradgradcheck(build, [logits], rtol=1e-4)
    first_derivatives_agree(build, [logits])


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # the forward gelu(−inf)
def test_gelu_twice_at_infinities_stays_finite():
    x = Tensor([-np.inf, -1.0, 0.0, np.inf], requires_grad=True)
    (g,) = grad(x.gelu().sum(), [x], create_graph=True)
    (h,) = grad(g.sum(), [x])
    assert g.data.tolist() == [0.0, pytest.approx(-0.0833155), 0.5, 1.0]
    assert np.isfinite(h.data).all()


def test_every_op_has_a_rule_for_its_derivative_graph():
    # create_graph needs, for every op, its derivative built from ops, on each path it has
    missing = [op.name for op in OPS.values() if (op.vjp is None) != (op.vjp_ops is None)]
    missing += [op.name for op in OPS.values() if (op.scalar is None) != (op.local_ops is None)]
    assert missing == []


def test_tensor_and_value_hessians_agree():
    data = [0.3, -0.8]

    def f(a, b):
        return (a * b).tanh() + (a - b) ** 2 * a.sigmoid()

    values = [Value(v) for v in data]
    value_grads = grad(f(*values), values, create_graph=True)
    value_hessian = [[h.data for h in grad(g, values)] for g in value_grads]
    x = Tensor(data, requires_grad=True)
    (g,) = grad(f(x[0], x[1]), [x], create_graph=True)
    tensor_hessian = [grad(g[i], [x])[0].data.tolist() for i in range(2)]
    np.testing.assert_allclose(tensor_hessian, value_hessian, rtol=1e-13)


def test_zero_local_derivative_stops_nan_on_the_tensor_path():
    x = Tensor([-1.0, 4.0], requires_grad=True)
    (g,) = grad(x.relu().sqrt().sum(), [x], create_graph=True)
    assert g.data.tolist() == [0.0, 0.25]
    y = Tensor([0.0, 2.0], requires_grad=True)
    (g,) = grad(((y**0) - 1.0).sqrt().sum(), [y], create_graph=True)  # ∂(y⁰)/∂y = 0
    assert g.data.tolist() == [0.0, 0.0]


def test_grad_of_tensors_needs_grad_outputs_for_more_than_one_element():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="one-element"):
        grad(x * 2, [x])
    (g,) = grad(x * x, [x], grad_outputs=np.array([1.0, -1.0]))
    assert g.data.tolist() == [2.0, -4.0] and not g.requires_grad


def test_grad_refuses_values_and_tensors_mixed():
    with pytest.raises(TypeError, match="both Values or both Tensors"):
        grad(Value(1.0) * 2, [Tensor([1.0], requires_grad=True)])


def test_tensor_backward_create_graph_accumulates_a_tensor_grad():
    x = Tensor([0.5, -1.0], requires_grad=True, label="x")
    loss = (x.tanh() * x).sum()
    loss.backward(create_graph=True)
    first = x.grad.data.copy()
    assert isinstance(x.grad, Tensor) and x.grad.label == "∂L/∂x"
    loss.backward(create_graph=True)
    np.testing.assert_array_equal(x.grad.data, first + first)
