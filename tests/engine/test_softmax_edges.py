"""Softmax and log-softmax over a list at inf and nan: the scalar path as the Tensor path."""

from __future__ import annotations

import math
import warnings

import pytest

from chainrule import Tensor, Value, log_softmax, softmax

NAN, INF = math.nan, math.inf
EDGES = [
    [INF, NAN],
    [NAN, INF],
    [INF, 1.0],
    [1.0, INF, INF],
    [NAN, 1.0],
    [1.0, NAN],  # Python's max() skips a nan that is not first
    [-INF, -INF],
    [-INF, 1.0],
    [1000.0, 0.0],
    [1.0, 2.0, 3.0],
]


def same(xs: list[float], ys: list[float]) -> bool:
    return all((x != x and y != y) or x == pytest.approx(y, rel=1e-15) for x, y in zip(xs, ys))


@pytest.mark.parametrize("data", EDGES, ids=[repr(d) for d in EDGES])
@pytest.mark.parametrize("function", ["softmax", "log_softmax"])
def test_a_list_of_values_gives_what_a_tensor_gives(data, function):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy warned on inf − inf in the Tensor path
        scalar = [
            v.data
            for v in {"softmax": softmax, "log_softmax": log_softmax}[function](
                [Value(x) for x in data]
            )
        ]
        batched = getattr(Tensor(data), function)().data.tolist()
    assert same(scalar, batched), (scalar, batched)


def test_inf_beside_nan_is_nan_not_one_and_zero():
    """softmax([inf, nan]) was [1, 0]: the nan was hidden."""
    assert all(math.isnan(v.data) for v in softmax([Value(INF), Value(NAN)]))
    assert all(math.isnan(v.data) for v in softmax([Value(INF), Value(1.0)]))
    assert all(math.isnan(v.data) for v in log_softmax([Value(INF), Value(1.0)]))


@pytest.mark.parametrize("data", EDGES, ids=[repr(d) for d in EDGES])
def test_as_pytorch(data):
    torch = pytest.importorskip("torch", reason="optional: PyTorch float64 as a second oracle")
    expected = torch.softmax(torch.tensor(data, dtype=torch.float64), 0).tolist()
    assert same([v.data for v in softmax([Value(x) for x in data])], expected)
    expected = torch.log_softmax(torch.tensor(data, dtype=torch.float64), 0).tolist()
    assert same([v.data for v in log_softmax([Value(x) for x in data])], expected)


@pytest.mark.parametrize("row", [[INF, 0.0], [NAN, 1.0], [-INF, -INF]])
def test_fused_cross_entropy_at_inf_and_nan_is_nan_on_both_paths_without_warnings(row):
    import numpy as np

    from chainrule.nn.losses import cross_entropy

    scalars = [Value(x) for x in row]
    expected = cross_entropy(scalars, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        batched = cross_entropy(Tensor([row], requires_grad=True), np.array([0]))
        batched.backward()
    assert math.isnan(expected.data) and math.isnan(batched.item())
