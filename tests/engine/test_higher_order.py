"""Higher-order gradients on Values: closed forms, both paths agreeing, zero derivatives, grad()."""

from __future__ import annotations

import math

import pytest

from chainrule import Value, grad, gradgradcheck, no_grad
from chainrule.engine.higher import derivative, derivative_name
from tests.engine.op_cases import value_points


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _phi(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def derivatives(f, x0: float, orders: int = 3) -> list[float]:
    """f', f'', … at x0 taken by the engine, each from the graph of the one before."""
    x = Value(x0, label="x")
    return [derivative(f(x), x, n).data for n in range(1, orders + 1)]


# Each row: f on Values, x0, then f', f'', f''' in closed form (written with math, not the engine).
CLOSED_FORMS = {
    "tanh": (
        lambda x: x.tanh(),
        0.7,
        lambda x: (
            1 - math.tanh(x) ** 2,
            -2 * math.tanh(x) * (1 - math.tanh(x) ** 2),
            (1 - math.tanh(x) ** 2) * (6 * math.tanh(x) ** 2 - 2),
        ),
    ),
    "sigmoid": (
        lambda x: x.sigmoid(),
        -0.4,
        lambda x: (
            _sigmoid(x) * (1 - _sigmoid(x)),
            _sigmoid(x) * (1 - _sigmoid(x)) * (1 - 2 * _sigmoid(x)),
            _sigmoid(x) * (1 - _sigmoid(x)) * (1 - 6 * _sigmoid(x) + 6 * _sigmoid(x) ** 2),
        ),
    ),
    "exp": (lambda x: x.exp(), 1.3, lambda x: (math.exp(x),) * 3),
    "log": (lambda x: x.log(), 2.5, lambda x: (1 / x, -1 / x**2, 2 / x**3)),
    "sqrt": (
        lambda x: x.sqrt(),
        3.0,
        lambda x: (0.5 * x**-0.5, -0.25 * x**-1.5, 0.375 * x**-2.5),
    ),
    "gelu": (
        lambda x: x.gelu(),
        0.8,
        lambda x: (
            0.5 * math.erfc(-x / math.sqrt(2)) + x * _phi(x),
            _phi(x) * (2 - x * x),
            x * _phi(x) * (x * x - 4),
        ),
    ),
    "sin": (lambda x: x.sin(), 0.9, lambda x: (math.cos(x), -math.sin(x), -math.cos(x))),
    "cos": (lambda x: x.cos(), 0.9, lambda x: (-math.sin(x), -math.cos(x), math.sin(x))),
    "softplus": (
        lambda x: x.softplus(),
        0.6,
        lambda x: (
            _sigmoid(x),
            _sigmoid(x) * (1 - _sigmoid(x)),
            _sigmoid(x) * (1 - _sigmoid(x)) * (1 - 2 * _sigmoid(x)),
        ),
    ),
    "normal_cdf": (
        lambda x: x.normal_cdf(),
        0.4,
        lambda x: (_phi(x), -x * _phi(x), (x * x - 1) * _phi(x)),
    ),
    "cube": (lambda x: x**3, -1.5, lambda x: (3 * x**2, 6 * x, 6.0)),
    "reciprocal": (lambda x: 1 / x, 0.5, lambda x: (-1 / x**2, 2 / x**3, -6 / x**4)),
    "rpow": (
        lambda x: 2**x,
        0.3,
        lambda x: tuple(2**x * math.log(2) ** n for n in (1, 2, 3)),
    ),
}


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_first_three_derivatives_match_closed_forms(name):
    f, x0, closed = CLOSED_FORMS[name]
    assert derivatives(f, x0) == pytest.approx(closed(x0), rel=1e-12, abs=1e-14)


def test_power_of_two_values_second_derivatives_in_both_arguments():
    x, y = Value(1.7, label="x"), Value(2.3, label="y")
    dx, dy = grad(x**y, [x, y], create_graph=True)
    dxx, dxy = grad(dx, [x, y])
    dyx, dyy = grad(dy, [x, y])
    a, b = 1.7, 2.3
    assert dxx.data == pytest.approx(b * (b - 1) * a ** (b - 2), rel=1e-13)
    assert dyy.data == pytest.approx(a**b * math.log(a) ** 2, rel=1e-13)
    assert dxy.data == pytest.approx(a ** (b - 1) * (1 + b * math.log(a)), rel=1e-13)
    assert dyx.data == pytest.approx(dxy.data, rel=1e-13)  # the Hessian is symmetric


def test_quotient_second_derivatives():
    a, b = Value(1.5, label="a"), Value(-0.8, label="b")
    da, db = grad(a / b, [a, b], create_graph=True)
    daa, dab = grad(da, [a, b], allow_unused=True)
    dba, dbb = grad(db, [a, b])
    assert daa is None  # ∂(a/b)/∂a = 1/b does not depend on a
    assert dab.data == pytest.approx(-1 / 0.8**2, rel=1e-14)
    assert dba.data == pytest.approx(dab.data, rel=1e-14)
    assert dbb.data == pytest.approx(2 * 1.5 / (-0.8) ** 3, rel=1e-14)


def _lecture():
    t1, t2 = Value(0.5, label="θ1"), Value(-1.5, label="θ2")
    x, y = Value(2.0, label="x", requires_grad=False), Value(1.0, label="y", requires_grad=False)
    return t1, t2, (t1 * t2 * x - y) ** 2


def test_lecture_hessian():
    # L = (θ1θ2x − y)²: ∂²L/∂θ1² = 2x²θ2², ∂²L/∂θ2² = 2x²θ1², ∂²L/∂θ1∂θ2 = 2x(2θ1θ2x − y)
    t1, t2, loss = _lecture()
    g1, g2 = grad(loss, [t1, t2], create_graph=True)
    assert (g1.data, g2.data) == (15.0, -5.0)
    hessian = [[h.data for h in grad(g, [t1, t2])] for g in (g1, g2)]
    assert hessian == [[18.0, -16.0], [-16.0, 2.0]]


def test_lecture_hessian_through_backward_create_graph():
    t1, t2, loss = _lecture()
    loss.backward(create_graph=True)
    assert isinstance(t1.grad, Value) and t1.grad.data == 15.0
    assert t1.grad.label == "∂L/∂θ1"
    t1.grad.backward()  # accumulates into θ1.grad, as PyTorch: 15 + 18
    assert t1.grad.data == 15.0 + 18.0  # the Value ∂L/∂θ1 plus ∂²L/∂θ1² (a float)


@pytest.mark.parametrize(
    "f, x0",
    [
        (lambda x: x.relu(), 0.7),
        (lambda x: x.relu(), -0.7),
        (lambda x: x.abs(), 0.7),
        (lambda x: x.abs(), -0.7),
        (lambda x: x.leaky_relu(0.1), 0.7),
        (lambda x: x.leaky_relu(0.1), -0.7),
        (lambda x: 3 * x.relu() + 2, 1.2),
    ],
)
def test_piecewise_linear_ops_have_second_derivative_zero_away_from_the_kink(f, x0):
    first, second, third = derivatives(f, x0)
    assert first != 0 or x0 < 0
    assert second == 0.0 and third == 0.0


def test_relu_squared_has_second_derivative_two_on_the_right():
    assert derivatives(lambda x: x.relu() ** 2, 0.6) == [1.2, 2.0, 0.0]
    assert derivatives(lambda x: x.relu() ** 2, -0.6) == [0.0, 0.0, 0.0]


# ------------------------------------------------------------ zero local derivative stops nan
def test_relu_below_zero_stops_an_infinite_upstream_gradient():
    # sqrt'(0) = inf arrives at relu, whose derivative at −1 is 0: the gradient is 0, as PyTorch.
    for create_graph in (False, True):
        x = Value(-1.0)
        (g,) = grad(x.relu().sqrt(), [x], create_graph=create_graph)
        assert g.data == 0.0
    x = Value(-1.0)
    x.relu().sqrt().backward(create_graph=True)
    assert float(x.grad) == 0.0


def test_power_zero_stops_an_infinite_upstream_gradient():
    x = Value(0.0)
    y = ((x**0) - 1).sqrt()  # ∂y/∂(x⁰) = inf, ∂x⁰/∂x = 0
    (g,) = grad(y, [x], create_graph=True)
    assert g.data == 0.0


def test_zero_base_stops_the_exponent_gradient_of_an_infinite_upstream():
    b = Value(2.0)
    y = (Value(0.0, requires_grad=False) ** b).sqrt()  # sqrt'(0) = inf, ∂0^b/∂b = 0
    (g,) = grad(y, [b], create_graph=True)
    assert g.data == 0.0


# ------------------------------------------------------------------ both paths agree, every op
@pytest.mark.parametrize(
    "case, point", value_points(), ids=lambda p: str(p) if not isinstance(p, tuple) else None
)
def test_first_derivatives_of_both_paths_agree(case, point):
    fast = [Value(p) for p in point]
    case.build(*fast).backward()
    graph = [Value(p) for p in point]
    case.build(*graph).backward(create_graph=True)
    for a, b in zip(fast, graph):
        expected, found = a.grad, float(b.grad)
        if math.isnan(expected):
            assert math.isnan(found)
        else:
            assert found == pytest.approx(expected, rel=1e-15, abs=0.0)


@pytest.mark.parametrize(
    "case, point",
    [(c, p) for c, p in value_points() if c.domain(*p) and all(abs(x) < 50 for x in p)],
    ids=lambda p: str(p) if not isinstance(p, tuple) else None,
)
def test_every_op_differentiates_twice(case, point):
    inputs = [Value(p) for p in point]
    assert gradgradcheck(case.build, inputs, eps=1e-6, atol=1e-5, rtol=1e-4)


# -------------------------------------------------------------------------------- grad()
def test_grad_sums_outputs_scaled_by_grad_outputs_and_leaves_grad_alone():
    x = Value(2.0)
    (g,) = grad([x * x, x * 3], [x], grad_outputs=[2.0, -1.0])
    assert g.data == 2 * 4.0 - 3.0
    assert x.grad == 0.0  # grad() does not accumulate into .grad
    assert not g.requires_grad  # without create_graph, a constant


def test_grad_unused_input_raises_or_gives_none():
    x, z = Value(1.0), Value(2.0, label="z")
    with pytest.raises(ValueError, match="z.*not used.*allow_unused"):
        grad(x * 2, [x, z])
    assert grad(x * 2, [x, z], allow_unused=True)[1] is None


def test_grad_of_an_input_reached_only_through_zero_derivatives_is_zero():
    x = Value(-2.0)
    (g,) = grad(x.relu() * 5, [x])
    assert g.data == 0.0  # used (as in PyTorch), its gradient is 0


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda x: grad(Value(1.0, requires_grad=False), [x]), "output 0 does not require"),
        (lambda x: grad(x * 2, [Value(1.0, requires_grad=False)]), "input 0.*does not require"),
        (lambda x: grad(x * 2, [x], grad_outputs=[1.0, 2.0]), "1 outputs but 2"),
        (lambda x: grad(x * 2, []), "inputs is empty"),
    ],
)
def test_grad_bad_arguments_raise_value_error(call, error):
    with pytest.raises(ValueError, match=error):
        call(Value(1.0))


@pytest.mark.parametrize(
    "call", [lambda x: grad(x, ["x"]), lambda x: grad(x, x, grad_outputs="one")]
)
def test_grad_bad_types_raise_type_error(call):
    with pytest.raises(TypeError):
        call(Value(1.0))


def test_grad_under_no_grad_gives_constants_even_with_create_graph():
    x = Value(0.3)
    y = x.tanh()
    with no_grad():
        (g,) = grad(y, [x], create_graph=True)
    assert not g.requires_grad and g.data == pytest.approx(1 - math.tanh(0.3) ** 2)


def test_higher_orders_by_repetition_up_to_the_tenth():
    x = Value(0.0, label="x")
    found = derivative(x.exp() * 3, x, 10)
    assert found.data == 3.0
    assert derivative(x**3, x, 4).data == 0.0


def test_create_graph_backward_twice_accumulates_like_pytorch():
    x = Value(0.5, label="x")
    y = x.tanh() * x
    y.backward(create_graph=True)
    first = x.grad.data
    y.backward(create_graph=True)
    assert x.grad.data == first + first
    assert isinstance(x.grad, Value) and x.grad.requires_grad


def test_float_backward_after_create_graph_backward_keeps_a_value_grad():
    x = Value(0.5)
    y = x * x
    y.backward(create_graph=True)
    y.backward()
    assert float(x.grad) == 2.0


def _deep_tanh(x, depth=5000):
    y = x
    for _ in range(depth):
        y = y.tanh()
    return y


def test_second_derivative_of_a_chain_deeper_than_the_recursion_limit():
    x = Value(0.01, label="x")
    (g,) = grad(_deep_tanh(x), [x], create_graph=True)
    (h,) = grad(g, [x])
    eps = 1e-5
    numeric = []
    for shift in (eps, -eps):
        x_shifted = Value(0.01 + shift)
        numeric.append(grad(_deep_tanh(x_shifted), [x_shifted])[0].data)
    assert h.data == pytest.approx((numeric[0] - numeric[1]) / (2 * eps), rel=1e-5)


def test_derivative_names_fold_repeated_variables():
    assert derivative_name("L", "θ1") == "∂L/∂θ1"
    assert derivative_name("∂L/∂θ1", "θ1") == "∂²L/∂θ1²"
    assert derivative_name("∂²L/∂θ1²", "θ1") == "∂³L/∂θ1³"
    assert derivative_name("∂L/∂θ1", "θ2") == "∂²L/∂θ2∂θ1"
    x = Value(0.2, label="x")
    assert derivative(x.tanh(), x, 3).label == "∂³L/∂x³"
