"""Tensor semantics: accumulation, no aliasing, modes, errors, dtypes, and agreement with Value."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from chainrule.engine import graph
from chainrule.engine.mode import detect_anomaly, no_grad
from chainrule.engine.tensor import Tensor, cross_entropy
from chainrule.engine.value import Value
from tests.engine.op_cases import BINARY_OPERATORS


def leaf(data, **kwargs):
    return Tensor(np.asarray(data, dtype=float), requires_grad=True, **kwargs)


# ------------------------------------------------------------------ backward semantics
def test_leaves_accumulate_and_intermediates_are_recomputed():
    x = leaf([1.0, -2.0, 3.0])
    hidden = x * x
    loss = (hidden * 2.0).sum()
    loss.backward()
    first_x, first_hidden = x.grad, hidden.grad
    loss.backward()
    np.testing.assert_array_equal(x.grad, 2 * first_x)
    np.testing.assert_array_equal(hidden.grad, first_hidden)
    np.testing.assert_array_equal(first_x, [4.0, -8.0, 12.0])


@pytest.mark.parametrize(
    "build",
    [
        lambda x, y: (x + y).sum(),
        lambda x, y: (x - y).sum(),
        lambda x, y: (x.reshape(3, 1) * 1.0 + y.T).sum(),
        lambda x, y: (x @ y.T).sum(),
    ],
)
def test_a_saved_gradient_never_changes_and_is_never_shared(build):
    x, y = leaf([1.0, 2.0, 3.0]), leaf([[4.0, 5.0, 6.0]])
    build(x, y).backward()
    saved_x, saved_y = x.grad, y.grad
    copies = saved_x.copy(), saved_y.copy()
    assert saved_x.flags.writeable and not np.shares_memory(saved_x, saved_y)
    build(x, y).backward()
    np.testing.assert_array_equal(saved_x, copies[0])
    np.testing.assert_array_equal(saved_y, copies[1])
    np.testing.assert_array_equal(x.grad, 2 * copies[0])


def test_a_seed_array_is_copied():
    x = leaf([1.0, 2.0])
    seed = np.array([1.0, 1.0])
    (x * 1.0).backward(seed)
    seed[:] = 100.0
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


def test_backward_with_an_explicit_gradient_is_a_vector_jacobian_product():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    (x * x).backward(np.array([[1.0, 0.0], [0.0, 2.0]]))
    np.testing.assert_array_equal(x.grad, [[2.0, 0.0], [0.0, 16.0]])


def test_backward_on_a_leaf_accumulates_the_seed():
    x = leaf(3.0)
    x.backward()
    x.backward()
    assert x.grad.shape == () and x.grad == 2.0


def test_backward_errors():
    x = leaf([1.0, 2.0])
    with pytest.raises(ValueError, match="one-element"):
        (x * 2.0).backward()
    with pytest.raises(ValueError, match="shape"):
        (x * 2.0).backward(np.ones(3))
    with pytest.raises(ValueError, match="requires grad"):
        Tensor([1.0]).exp().backward()


def test_zero_grad_and_constants_get_no_gradient():
    x, c = leaf([1.0, 2.0]), Tensor([3.0, 4.0])
    (x * c).sum().backward()
    assert c.grad is None
    x.zero_grad()
    assert x.grad is None


def test_a_chain_deeper_than_the_recursion_limit():
    x = leaf([1.0, 2.0])
    y = x
    for _ in range(5000):
        y = y + 1.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])
    assert graph.topological_order(y)[0] is x


# ------------------------------------------------------------------ modes, detach, graph
def test_no_grad_records_no_graph():
    x = leaf([1.0, 2.0])
    with no_grad():
        y = (x * 3.0).relu()
    assert (y.requires_grad, y.children, y.op) == (False, (), "")
    np.testing.assert_array_equal(y.data, [3.0, 6.0])


def test_detach_shares_the_data_and_cuts_the_graph():
    x = leaf([1.0, 2.0], label="x")
    d = (x * 2.0).detach()
    assert (d.requires_grad, d.children, d.is_leaf) == (False, (), True)
    e = x.detach()
    assert np.shares_memory(e.data, x.data) and e.label == "x"


def test_detect_anomaly_names_the_op_in_the_forward_pass():
    with detect_anomaly(), pytest.raises(FloatingPointError, match="log produced nan"):
        leaf([1.0, -1.0], label="x").log()


def test_detect_anomaly_names_the_op_in_the_backward_pass():
    x = leaf([0.0, 4.0])
    with detect_anomaly():
        y = x.sqrt().sum()
        with pytest.raises(FloatingPointError, match="sqrt"):
            y.backward()


def test_out_of_domain_results_are_ieee_values_without_warnings():
    x = leaf([-1.0, 0.0, 1e308])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        logs = x.log()
        quotients = 1.0 / x
        powers = x**-1.0
        exps = x.exp()
        roots = x.sqrt()
        for y in (logs, quotients, powers, exps, roots):
            x.zero_grad()
            y.sum().backward()
    assert np.isnan(logs.data[0]) and logs.data[1] == -math.inf
    assert quotients.data[1] == math.inf and exps.data[2] == math.inf
    assert np.isnan(roots.data[0])
    assert (x * 0.0).sigmoid().data.tolist() == [0.5, 0.5, 0.5]
    assert Tensor([-1000.0, 1000.0]).sigmoid().data.tolist() == [0.0, 1.0]


def test_graph_attributes_match_value():
    a, b = leaf([1.0], label="a"), leaf([2.0], label="b")
    c = a * b + 2.0
    assert c.op == "+" and c.children[0].op == "*" and c.children[1].requires_grad is False
    order = graph.topological_order(c)
    assert order[0] is a and order[-1] is c
    assert [n._serial for n in order] == sorted(n._serial for n in order)
    assert "op='+'" in repr(c) and "label='a'" in repr(a)


# ------------------------------------------------------------------ construction, errors
def test_construction_copies_and_picks_the_dtype():
    source = np.array([1.0, 2.0])
    x = Tensor(source)
    source[0] = 9.0
    assert x.data[0] == 1.0 and x.dtype == np.float64
    assert Tensor([1, 2]).dtype == np.float64
    assert Tensor(np.ones(2, np.float32)).dtype == np.float32
    assert Tensor([1.0], dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="dtype"):
        Tensor([1.0], dtype=np.int64)


def test_float32_stays_float32_through_ops_and_gradients():
    x = Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    w = Tensor(np.ones((3, 4), np.float32), requires_grad=True)
    y = ((x @ w) * 2.0 + 1).relu().sigmoid()
    loss = cross_entropy(y, [0, 3])
    assert y.dtype == np.float32 and loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32
    z = Tensor(np.ones(2, np.float32), requires_grad=True)
    (z * np.ones(2)).sum().backward()  # float64 data meets a float32 leaf
    assert z.grad.dtype == np.float32


def test_type_errors_name_both_types():
    x = leaf([1.0])
    with pytest.raises(TypeError, match="Tensor.*str"):
        x + "a"
    with pytest.raises(TypeError, match="Value.*Tensor|Tensor.*Value"):
        Value(1.0) * x
    with pytest.raises(TypeError, match="Tensor"):
        Tensor(x)
    with pytest.raises(TypeError, match="real numbers"):
        Tensor([Value(1.0)])
    with pytest.raises(ValueError, match="one element"):
        x.reshape(1, 1).item() + Tensor([1.0, 2.0]).item()


def test_broadcasting_errors_are_value_errors():
    with pytest.raises(ValueError, match="broadcast"):
        leaf([1.0, 2.0]) + leaf([1.0, 2.0, 3.0])


def test_cross_entropy_checks_its_targets():
    logits = leaf([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match="range"):
        cross_entropy(logits, [0, 2])
    with pytest.raises(ValueError, match="targets of shape"):
        cross_entropy(logits, [0])
    with pytest.raises(TypeError, match="integer"):
        cross_entropy(logits, [0.5, 1.0])
    with pytest.raises(ValueError, match="reduction"):
        cross_entropy(logits, [0, 1], reduction="max")
    with pytest.raises(TypeError, match="Tensor"):
        cross_entropy(np.ones((2, 2)), [0, 1])


def test_array_facts_and_conversions():
    x = leaf(np.arange(6.0).reshape(2, 3))
    assert (x.shape, x.ndim, x.size, len(x)) == ((2, 3), 2, 6, 2)
    assert x.numpy() is x.data and x.T.shape == (3, 2)
    assert x.sum().item() == 15.0 and float(x[1, 2]) == 5.0


def test_a_second_backward_adds_exactly_what_the_first_did():
    # Regression: a leaf took each contribution straight into its gradient, so a second pass
    # added ((g + c1) + c2) + c3, a few ulps away from g + (c1 + c2 + c3). Now a pass sums
    # into the leaf from zero and adds the total at the end, as Value's backward (one order).
    x = leaf([0.1, 0.7, -1.3, 2.9, 0.33])
    y = (x * 3.3 + x.exp() + x * x).sum()
    y.backward()
    first = x.grad.copy()
    y.backward()
    np.testing.assert_array_equal(x.grad, first + first)


# ------------------------------------------------------------------ agreement with Value
POINTS = np.array([-3.1, -1.0, -0.2, 0.4, 1.0, 2.5, 7.0])


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**"])
def test_binary_ops_agree_with_value(op):
    apply = BINARY_OPERATORS[op]
    left, right = np.abs(POINTS), POINTS[::-1]
    a, b = leaf(left), leaf(right)
    out = apply(a, b)
    out.sum().backward()
    for i in range(len(left)):
        va, vb = Value(float(left[i])), Value(float(right[i]))
        vo = apply(va, vb)
        vo.backward()
        assert out.data[i] == pytest.approx(vo.data, rel=1e-12)
        assert a.grad[i] == pytest.approx(va.grad, rel=1e-12)
        assert b.grad[i] == pytest.approx(vb.grad, rel=1e-12)


def test_pow_at_the_edges_of_its_domain_agrees_with_value():
    # a^0 is constant 1, so ∂/∂a is 0 even at a = 0 (where b·a^(b−1) would be 0·∞ = nan)
    left = np.array([0.0, 2.0, 0.0, 0.0, -1.0, 0.0, -1.0, -2.0])
    right = np.array([0.0, 0.0, 2.0, 0.5, 2.0, -1.0, 0.0, 0.5])
    a, b = leaf(left), leaf(right)
    (a**b).sum().backward()
    for i in range(len(left)):
        va, vb = Value(float(left[i])), Value(float(right[i]))
        (va**vb).backward()
        np.testing.assert_equal([a.grad[i], b.grad[i]], [va.grad, vb.grad])
    x = leaf([0.0, 3.0])
    (x**0).sum().backward()  # a constant exponent of 0
    assert x.grad.tolist() == [0.0, 0.0]


def test_softmax_agrees_with_value():
    from chainrule.engine.value import log_softmax, softmax

    x = leaf(POINTS)
    weights = np.linspace(-1.0, 2.0, len(POINTS))
    for tensor_op, value_op in (("softmax", softmax), ("log_softmax", log_softmax)):
        x.zero_grad()
        (getattr(x, tensor_op)() * weights).sum().backward()
        values = [Value(float(p)) for p in POINTS]
        outputs = value_op(values)
        total = outputs[0] * float(weights[0])
        for w, o in zip(weights[1:], outputs[1:]):
            total = total + o * float(w)
        total.backward()
        np.testing.assert_allclose(x.grad, [v.grad for v in values], rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------ optional: PyTorch parity
def test_agrees_with_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x_data, w_data = rng.normal(size=(5, 4)), rng.normal(size=(4, 3))
    b_data = rng.normal(size=(3,))
    x_data[0, :2] = 2.0  # a tie for max
    targets = np.array([0, 2, 1, 1, 0])
    index = np.array([0, 3, 3, 1])

    def program(lib, x, w, b):
        h = lib["gelu"](x @ w + b)
        tie = lib["amax"](x, 1).sum()
        picked = x[:, index].sum() * 0.1
        soft = (lib["softmax"](h) * lib["log_softmax"](h)).sum()
        return lib["ce"](h, lib["targets"]) + tie + picked + soft + (x.sigmoid() * x.tanh()).mean()

    ours = {
        "gelu": lambda t: t.gelu(),
        "amax": lambda t, axis: t.max(axis=axis),
        "softmax": lambda t: t.softmax(axis=1),
        "log_softmax": lambda t: t.log_softmax(axis=1),
        "ce": cross_entropy,
        "targets": targets,
    }
    theirs = {
        "gelu": torch.nn.functional.gelu,
        "amax": lambda t, axis: t.amax(dim=axis),
        "softmax": lambda t: t.softmax(dim=1),
        "log_softmax": lambda t: t.log_softmax(dim=1),
        "ce": torch.nn.functional.cross_entropy,
        "targets": torch.from_numpy(targets),
    }
    mine = [Tensor(a, requires_grad=True) for a in (x_data, w_data, b_data)]
    reference = [torch.tensor(a, requires_grad=True) for a in (x_data, w_data, b_data)]
    out, expected = program(ours, *mine), program(theirs, *reference)
    out.backward()
    expected.backward()
    assert out.item() == pytest.approx(expected.item(), rel=1e-12)
    for a, b in zip(mine, reference):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_backward_twice_adds_exactly_what_the_first_did():
    """Leaves sum a pass's contributions first, then add them: g + (c1 + c2), as Value does
    ((g + c1) + c2 differed by 1e-16)."""
    rng = np.random.default_rng(3)
    x = Tensor(rng.normal(size=(6, 5)), requires_grad=True)
    w = Tensor(rng.normal(size=(5, 4)) * 1e3, requires_grad=True)

    def loss():  # x reaches the loss along three paths of very different sizes
        return ((x @ w).tanh() * 1e-3 + (x * x * 0.1).sum() + x.exp().mean()).sum()

    loss().backward()
    first = x.grad.copy(), w.grad.copy()
    loss().backward()
    assert np.array_equal(x.grad, first[0] * 2) and np.array_equal(w.grad, first[1] * 2)
