"""Optional: every op's value and gradient against PyTorch (float64), including edge points."""

from __future__ import annotations

import math

import pytest

from chainrule.engine import log_softmax, softmax
from chainrule.engine.value import Value
from tests.engine.op_cases import value_points

torch = pytest.importorskip("torch")

POINTS = value_points()

# Edge points where the result is inf, nan or a one-sided derivative: the engine follows PyTorch.
EDGES = [
    ("relu", lambda a: a.relu(), (0.0,)),
    ("abs", lambda a: a.abs(), (0.0,)),
    ("leaky_relu", lambda a: a.leaky_relu(0.2), (0.0,)),
    ("sqrt", lambda a: a.sqrt(), (0.0,)),
    ("sqrt", lambda a: a.sqrt(), (-1.0,)),
    ("log", lambda a: a.log(), (0.0,)),
    ("log", lambda a: a.log(), (-1.0,)),
    ("exp", lambda a: a.exp(), (1000.0,)),
    ("sigmoid", lambda a: a.sigmoid(), (-1000.0,)),
    ("tanh", lambda a: a.tanh(), (1e308,)),
    ("pow", lambda a, b: a**b, (0.0, -1.0)),
    ("pow", lambda a, b: a**b, (0.0, 2.0)),
    ("pow", lambda a, b: a**b, (0.0, 0.0)),
    ("pow", lambda a, b: a**b, (-8.0, 1.0 / 3.0)),
    ("pow", lambda a, b: a**b, (-2.0, 3.0)),
    ("div", lambda a, b: a / b, (1.0, 0.0)),
    ("div", lambda a, b: a / b, (0.0, 0.0)),
    ("gelu", lambda a: a.gelu(), (-40.0,)),
    ("sin", lambda a: a.sin(), (math.inf,)),
    ("cos", lambda a: a.cos(), (-math.inf,)),
    ("softplus", lambda a: a.softplus(), (1000.0,)),
    ("softplus", lambda a: a.softplus(), (-1000.0,)),
]


def _torch_builder(build):
    """Run a builder of the op table on torch tensors instead of Values."""

    def run(*tensors):
        return build(*(_TorchLike(t) for t in tensors)).tensor

    return run


class _TorchLike:
    """Wraps a tensor so that the op table's Value-style calls (``a.gelu()``) run in torch."""

    def __init__(self, tensor):
        self.tensor = tensor

    def gelu(self):
        return _TorchLike(torch.nn.functional.gelu(self.tensor))

    def softplus(self):
        return _TorchLike(torch.nn.functional.softplus(self.tensor))

    def leaky_relu(self, slope=0.01):
        return _TorchLike(torch.nn.functional.leaky_relu(self.tensor, slope))

    def normal_cdf(self):
        return _TorchLike(torch.special.ndtr(self.tensor))

    def __getattr__(self, name):
        method = getattr(self.tensor, name)
        return lambda: _TorchLike(method())


def _binary(name):
    def forward(self, other):
        other = other.tensor if isinstance(other, _TorchLike) else other
        return _TorchLike(getattr(self.tensor, name)(other))

    return forward


for _name in (
    "__add__ __radd__ __sub__ __rsub__ __mul__ __rmul__ __truediv__ __rtruediv__ __pow__ __rpow__"
).split():
    setattr(_TorchLike, _name, _binary(_name))
_TorchLike.__neg__ = lambda self: _TorchLike(-self.tensor)


def _same(a: float, b: float, rel: float = 1e-12) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    # abs_tol: PyTorch's gelu(−10) underflows to −0.0 where the erfc form keeps −7.6e−23
    return a == b or math.isclose(a, b, rel_tol=rel, abs_tol=1e-20)


def _compare(build, point, rel=1e-12):
    leaves = [Value(x) for x in point]
    out = build(*leaves)
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    expected = _torch_builder(build)(*tensors)
    assert _same(out.data, expected.item(), rel), (out.data, expected.item())
    if out.requires_grad:
        out.backward()
        expected.backward()
        for leaf, tensor in zip(leaves, tensors):
            reference = 0.0 if tensor.grad is None else tensor.grad.item()
            assert _same(leaf.grad, reference, 1e-9), (leaf.grad, reference)


@pytest.mark.parametrize(
    ("case", "point"), POINTS, ids=[f"{case.name}{point}" for case, point in POINTS]
)
def test_value_and_gradient_match_pytorch(case, point):
    _compare(case.build, point)


@pytest.mark.parametrize(("name", "build", "point"), EDGES, ids=[f"{n}{p}" for n, _, p in EDGES])
def test_edge_points_match_pytorch(name, build, point):
    _compare(build, point)


@pytest.mark.parametrize("point", [(1.0, 2.0, 3.0), (-1.0, 0.0, 1000.0), (0.3, 0.3, -7.0)])
@pytest.mark.parametrize("which", ["softmax", "log_softmax"])
def test_softmax_matches_pytorch(point, which):
    weights = (0.5, -1.0, 2.0)  # backward through a weighted sum mixes every output's gradient
    inputs = [Value(x) for x in point]
    outputs = (softmax if which == "softmax" else log_softmax)(inputs)
    total = sum(w * o for w, o in zip(weights, outputs))
    total.backward()
    tensor = torch.tensor(point, dtype=torch.float64, requires_grad=True)
    reference = getattr(torch, which)(tensor, dim=0)
    (reference * torch.tensor(weights, dtype=torch.float64)).sum().backward()
    assert [o.data for o in outputs] == pytest.approx(reference.tolist(), rel=1e-12, abs=1e-300)
    assert [x.grad for x in inputs] == pytest.approx(tensor.grad.tolist(), rel=1e-9, abs=1e-300)
