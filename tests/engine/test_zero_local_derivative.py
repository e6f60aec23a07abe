"""A zero local derivative stops nan and inf from above, on both paths, as PyTorch's relu and pow.

Also the derivatives at a nan input that PyTorch defines: relu passes the gradient (its rule
is ``where(a <= 0, 0, g)``), abs gives 0 (``sgn(nan) = 0``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from chainrule import Tensor, Value

NAN, INF = math.nan, math.inf

# (name, f on a Value or Tensor x, the point, the gradient there); f puts an inf or nan
# gradient above an op whose local derivative at the point is 0.
CASES = [
    ("relu at x < 0 under sqrt", lambda x: x.relu().sqrt(), -1.0, 0.0),
    ("relu at x = 0 under sqrt", lambda x: x.relu().sqrt(), 0.0, 0.0),
    ("x**0 under sqrt(· − 1)", lambda x: (x**0 - 1).sqrt(), 2.0, 0.0),
    ("x**0 at x = 0", lambda x: (x**0 - 1).sqrt(), 0.0, 0.0),
    ("abs at 0 under sqrt", lambda x: x.abs().sqrt(), 0.0, 0.0),
    ("leaky_relu slope 0", lambda x: x.leaky_relu(0.0).sqrt(), -1.0, 0.0),
    ("times a zero constant", lambda x: (x * 0).sqrt(), 3.0, 0.0),
    ("relu at nan passes the gradient", lambda x: x.relu(), NAN, 1.0),
    ("abs at nan", lambda x: x.abs(), NAN, 0.0),
]


@pytest.mark.parametrize(("name", "f", "point", "expected"), CASES, ids=[c[0] for c in CASES])
def test_scalar_and_batched_paths_give_the_stopped_gradient(name, f, point, expected):
    x = Value(point)
    f(x).backward()
    assert x.grad == expected
    t = Tensor([point, 4.0], requires_grad=True)  # a second, ordinary element beside it
    f(t).sum().backward()
    assert t.grad[0] == expected


def test_the_exponent_gradient_of_zero_to_the_b_is_stopped_on_both_paths():
    b = Value(2.0)
    (Value(0.0, requires_grad=False) ** b).sqrt().backward()  # d(0^b)/db = 0, above: inf
    assert b.grad == 0.0
    tb = Tensor([2.0, 3.0], requires_grad=True)
    (Tensor([0.0, 0.0]) ** tb).sqrt().sum().backward()
    assert tb.grad.tolist() == [0.0, 0.0]


def test_a_nonzero_local_derivative_still_passes_nan_and_inf():
    x = Value(0.0)
    x.sqrt().backward()  # d√x/dx = inf at 0: nothing stops it
    assert x.grad == INF
    y = Value(1.0)
    (y * INF).exp().backward()  # an inf gradient times the local inf: inf, not stopped
    assert y.grad == INF
    t = Tensor([0.0], requires_grad=True)
    t.sqrt().sum().backward()
    assert t.grad.tolist() == [INF]


def test_backward_steps_show_the_stopped_edge_and_equal_backward():
    from chainrule.engine.backward import backward_steps

    x = Value(-1.0)
    root = x.relu().sqrt()
    steps = list(backward_steps(root))
    assert steps[-1].contributions[0].amount == 0.0 and x.grad == 0.0
    again = Value(-1.0)
    again.relu().sqrt().backward()
    assert again.grad == x.grad


# PyTorch stops nan and inf at relu and at x**0 (its rules are a `where` and a special
# case), not at every zero local derivative: at abs(0), leaky_relu(·, 0) and x·0 it gives
# 0·inf = nan, where chainrule's one rule for every edge gives 0.
AS_PYTORCH = [case for case in CASES if case[0].startswith(("relu", "x**0", "abs at nan"))]


@pytest.mark.parametrize(
    ("name", "f", "point", "expected"), AS_PYTORCH, ids=[c[0] for c in AS_PYTORCH]
)
def test_as_pytorch(name, f, point, expected):
    torch = pytest.importorskip("torch", reason="optional: PyTorch float64 as a second oracle")
    x = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    f(x).backward()
    assert x.grad.item() == expected


def test_no_numpy_warning_in_a_stopped_backward():
    import warnings

    t = Tensor(np.array([-1.0, 0.0, 4.0]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t.relu().sqrt().sum().backward()
        (t**0).sqrt().sum().backward()


EDGE_POINTS = [0.0, -0.0, -1.0, 1.0, INF, -INF, NAN, 1e308, -1e308, 1e-320]
BACKWARD_OPS = {
    "log": lambda t: t.log(),
    "sqrt": lambda t: t.sqrt(),
    "exp": lambda t: t.exp(),
    "tanh": lambda t: t.tanh(),
    "sigmoid": lambda t: t.sigmoid(),
    "gelu": lambda t: t.gelu(),
    "softplus": lambda t: t.softplus(),
    "reciprocal": lambda t: 1 / t,
    "t / t": lambda t: t / t,
    "t ** t": lambda t: t**t,
    "max": lambda t: t.max(),
}


@pytest.mark.parametrize("name", list(BACKWARD_OPS))
@pytest.mark.parametrize("upstream", [1.0, INF, NAN])
def test_tensor_backward_at_domain_edges_gives_ieee_values_without_numpy_warnings(name, upstream):
    import warnings

    t = Tensor(EDGE_POINTS, requires_grad=True)
    with np.errstate(all="ignore"):  # the forward pass may overflow: that is NumPy's to say
        y = BACKWARD_OPS[name](t)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y.backward(np.full_like(y.data, upstream))
    assert t.grad.shape == (len(EDGE_POINTS),)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_zero_where_is_numpy_where_bit_for_bit(dtype):
    # relu's backward zeroes g by bit masking (fast in float32); the bits must be np.where's:
    # +0 where stopped (never −0 or nan), g itself (nan, inf, −0 included) elsewhere
    from chainrule.engine.ops.stop import zero_where

    rng = np.random.default_rng(0)
    g = rng.normal(size=(7, 9)).astype(dtype)
    g.flat[:6] = [np.nan, np.inf, -np.inf, -0.0, 0.0, -1.0]
    g.flat[6:12] = [np.nan, np.inf, -np.inf, -0.0, 0.0, -1.0]
    mask = rng.random((7, 9)) < 0.5
    mask.flat[:6], mask.flat[6:12] = True, False
    for where in (mask, mask[:, ::-1].copy(), np.asfortranarray(mask)):
        expected = np.where(where, 0.0, g).astype(dtype)
        got = zero_where(g, where)
        assert got.dtype == dtype and got.shape == g.shape
        assert got.tobytes() == expected.tobytes()
    assert zero_where(g.T, mask.T).tobytes() == np.where(mask.T, 0.0, g.T).astype(dtype).tobytes()
