"""Every Tensor op against finite differences (`gradcheck`), over shapes and broadcasting."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.engine.gradcheck import gradcheck
from chainrule.engine.tensor import GRADIENTS, Tensor, cross_entropy
from tests.engine.op_cases import BINARY_OPERATORS, OPS


def tensor(shape, seed=0, low=-2.0, high=2.0, away_from_zero=False):
    data = np.random.default_rng(seed).uniform(low, high, size=shape)
    if away_from_zero:
        data = np.where(np.abs(data) < 0.2, 0.7, data)
    return Tensor(data, requires_grad=True)


SHAPE_PAIRS = [
    ((3,), (3,)),
    ((2, 3), (2, 3)),
    ((2, 3), (3,)),  # a row broadcast over rows
    ((2, 3), (2, 1)),  # a column broadcast over columns
    ((4, 1, 3), (2, 1)),  # both operands stretched
    ((2, 3), ()),  # a 0-d tensor
]

BINARY = BINARY_OPERATORS


@pytest.mark.parametrize("op", list(BINARY))
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_binary_ops_unbroadcast(op, shapes):
    left_shape, right_shape = shapes
    a = tensor(left_shape, seed=1, low=0.5, high=2.0)  # positive bases for **
    b = tensor(right_shape, seed=2, away_from_zero=True)  # no pole for /
    if op == "**":
        b = tensor(right_shape, seed=2, low=0.5, high=2.0)  # b**a needs a positive base too
    assert gradcheck(BINARY[op], [a, b])
    assert gradcheck(lambda x, y: BINARY[op](y, x), [a, b])


@pytest.mark.parametrize(
    "build",
    [
        lambda a: 2.5 + a,
        lambda a: 2.0 - a,
        lambda a: a * 3.0,
        lambda a: 1.5 / a,
        lambda a: a**3,
        lambda a: 2.0**a,
        lambda a: a + np.arange(3.0),
        lambda a: np.arange(3.0) * a,
    ],
    ids=["radd", "rsub", "mul-number", "rdiv", "pow-number", "rpow", "add-array", "rmul-array"],
)
def test_numbers_and_arrays_as_constants(build):
    assert gradcheck(build, [tensor((2, 3), seed=3, away_from_zero=True)])


def domain_tensor(case, shape, seed):
    """A tensor of `shape` whose entries lie where the op case may be used (its `domain`)."""
    rng = np.random.default_rng(seed)
    entries = []
    while len(entries) < int(np.prod(shape)):
        x = float(rng.uniform(-2.0, 2.0))
        if case.domain(x):
            entries.append(x)
    return Tensor(np.array(entries).reshape(shape), requires_grad=True)


UNARY_CASES = [case for case in OPS if case.arity == 1]


@pytest.mark.parametrize("case", UNARY_CASES, ids=str)
@pytest.mark.parametrize("shape", [(), (5,), (2, 3), (2, 1, 3)], ids=str)
def test_unary_ops(case, shape):
    assert gradcheck(case.build, [domain_tensor(case, shape, seed=4)])


@pytest.mark.parametrize(
    "shapes", [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)), ((2, 2, 3), (3, 2))]
)
def test_matmul(shapes):
    a, b = tensor(shapes[0], seed=5), tensor(shapes[1], seed=6)
    assert gradcheck(lambda x, y: x @ y, [a, b])


def test_matmul_with_a_constant_array_on_the_left():
    w = tensor((3, 2), seed=7)
    assert gradcheck(lambda x: np.ones((4, 3)) @ x, [w])


@pytest.mark.parametrize("reduction", ["sum", "mean", "max"])
@pytest.mark.parametrize(
    "axis, keepdims",
    [(None, False), (None, True), (0, False), (1, True), (-1, False), ((0, 2), False)],
)
def test_reductions(reduction, axis, keepdims):
    x = tensor((2, 3, 4), seed=8)
    assert gradcheck(lambda a: getattr(a, reduction)(axis=axis, keepdims=keepdims), [x])


def test_max_splits_the_gradient_among_ties():
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.5, 0.5], [0.5, 0.0, 0.5]]
    x.zero_grad()
    x.max().backward()
    assert x.grad.tolist() == [[0.0, 0.5, 0.5], [0.0, 0.0, 0.0]]


@pytest.mark.parametrize(
    "build",
    [
        lambda a: a.reshape(3, 4),
        lambda a: a.reshape((12,)),
        lambda a: a.T,
        lambda a: a.transpose(1, 0, 2),
        lambda a: a[:, 0],
        lambda a: a[1],
        lambda a: a[..., 1:3],
        lambda a: a[None, :, 1],
        lambda a: a[np.array([0, 1, 0])],  # a repeated row: gradients add up
        lambda a: a[:, [2, 2, 0], 1],
        lambda a: a[a.data > 0],
        lambda a: a[Tensor([1.0, 0.0, 1.0])],
    ],
    ids=["reshape", "reshape-tuple", "T", "transpose", "column", "row", "slice", "newaxis",
         "int-array", "repeated", "mask", "tensor-index"],
)  # fmt: skip
def test_shape_ops_and_indexing(build):
    assert gradcheck(build, [tensor((2, 3, 2), seed=9)])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape, axis", [((5,), -1), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1)])
def test_softmax_and_log_softmax(name, shape, axis):
    x = tensor(shape, seed=10)
    weights = np.random.default_rng(11).normal(size=shape)  # makes every output element count
    assert gradcheck(lambda a: (getattr(a, name)(axis=axis) * weights).sum(), [x])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy(reduction):
    logits = tensor((5, 4), seed=12, low=-4.0, high=4.0)
    targets = np.array([0, 3, 1, 1, 2])
    assert gradcheck(lambda z: cross_entropy(z, targets, reduction=reduction), [logits])


def test_cross_entropy_equals_log_softmax_picked():
    logits = tensor((6, 3), seed=13)
    targets = np.array([0, 2, 1, 1, 0, 2])
    fused = cross_entropy(logits, targets)
    composed = -logits.log_softmax(axis=1)[np.arange(6), targets].mean()
    np.testing.assert_allclose(fused.item(), composed.item(), rtol=1e-14)
    fused.backward()
    fused_grad = logits.grad
    logits.zero_grad()
    composed.backward()
    np.testing.assert_allclose(fused_grad, logits.grad, rtol=1e-12, atol=1e-15)


def test_cross_entropy_is_stable_for_huge_logits():
    logits = Tensor([[1000.0, 0.0], [0.0, -1000.0]], requires_grad=True)
    loss = cross_entropy(logits, [0, 0])
    loss.backward()
    assert loss.item() == pytest.approx(0.0, abs=1e-300)  # both rows are certain and right
    assert np.isfinite(logits.grad).all()


def test_a_composite_network_with_broadcasting():
    x = Tensor(np.random.default_rng(14).normal(size=(4, 3)))
    w1, b1 = tensor((3, 5), seed=15), tensor((5,), seed=16)
    w2, b2 = tensor((5, 2), seed=17), tensor((2,), seed=18)

    def network(w1, b1, w2, b2):
        hidden = (x @ w1 + b1).tanh()
        return cross_entropy(hidden @ w2 + b2, [0, 1, 1, 0]) + (w1 * w1).mean() * 0.1

    assert gradcheck(network, [w1, b1, w2, b2])


def test_every_op_in_the_gradient_table_is_exercised_here():
    unary = {case.build(Tensor(0.5, requires_grad=True)).op for case in UNARY_CASES}
    tested = set(BINARY) | unary | {"matmul", "sum", "mean", "max", "reshape", "transpose"}
    tested |= {"index", "softmax", "log_softmax", "cross_entropy"}
    # the ops of gradients' own graphs (create_graph): tests/engine/test_tensor_higher_order.py
    tested |= {"mask", "scatter", "normal_cdf"}
    assert tested == set(GRADIENTS)


def test_vectorised_erfc_matches_math_erfc():
    import math

    from chainrule.engine.ops.special import erfc

    points = np.concatenate([np.linspace(-20.0, 20.0, 40001), [0.0, -0.0, 1.5, -1.5, 1e-300]])
    expected = np.array([math.erfc(x) for x in points])
    np.testing.assert_allclose(erfc(points), expected, rtol=1e-13, atol=0.0)
    edges = erfc(np.array([np.inf, -np.inf, np.nan]))
    assert edges[0] == 0.0 and edges[1] == 2.0 and np.isnan(edges[2])
