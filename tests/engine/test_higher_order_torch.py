"""Optional: every op's second and third derivatives against PyTorch (float64), edges included."""

from __future__ import annotations

import math

import pytest

from chainrule import Value, grad
from tests.engine.test_torch_parity import EDGES, POINTS, _torch_builder

torch = pytest.importorskip("torch", reason="PyTorch is optional: pip install -e '.[torch]'")


def _chainrule_hessian(build, point):
    """[[∂²f/∂x_i∂x_j]] and, for one input, d³f/dx³, by the engine (None counts as 0)."""
    xs = [Value(p) for p in point]
    firsts = grad(build(*xs), xs, create_graph=True)
    hessian, third = [], None
    for g in firsts:
        if not g.requires_grad:
            hessian.append([0.0] * len(xs))
            continue
        row = grad(g, xs, create_graph=True, allow_unused=True)
        hessian.append([0.0 if h is None else h.data for h in row])
        if len(xs) == 1:
            h = row[0]
            third = 0.0 if h is None or not h.requires_grad else grad(h, xs)[0].data
    return hessian, third


def _torch_hessian(build, point):
    xs = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in point]
    out = _torch_builder(build)(*xs)
    firsts = torch.autograd.grad(out, xs, create_graph=True, allow_unused=True)
    hessian, third = [], None
    for g in firsts:
        if g is None or not g.requires_grad:
            hessian.append([0.0] * len(xs))
            continue
        row = torch.autograd.grad(g, xs, create_graph=True, allow_unused=True)
        hessian.append([0.0 if h is None else h.item() for h in row])
        if len(xs) == 1:
            h = row[0]
            if h is None or not h.requires_grad:
                third = 0.0
            else:
                (t,) = torch.autograd.grad(h, xs, allow_unused=True)
                third = 0.0 if t is None else t.item()
    return hessian, third


def _same(found, expected):
    if math.isnan(expected):
        return math.isnan(found)
    if math.isinf(expected):
        return found == expected
    # abs: PyTorch's softplus is x itself past x = 20, so its second derivative there is 0
    # where the engine's is σ(x)(1 − σ(x)) ≈ 1e−13
    return found == pytest.approx(expected, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("case, point", POINTS, ids=[f"{c.name}-{p}" for c, p in POINTS])
def test_second_and_third_derivatives_match_pytorch(case, point):
    hessian, third = _chainrule_hessian(case.build, point)
    expected_hessian, expected_third = _torch_hessian(case.build, point)
    for row, expected_row in zip(hessian, expected_hessian):
        for found, expected in zip(row, expected_row):
            assert _same(found, expected), (hessian, expected_hessian)
    if third is not None:
        assert _same(third, expected_third), (third, expected_third)


# At a zero base, PyTorch's second derivatives of a**b are nan: its first derivative masks
# 0·ln(0) with `where`, whose unselected branch still sends 0·(−inf) = nan backward. The
# engine's masked derivative sends nothing, and gives the limits as a → 0⁺ instead.
LIMITS = {
    (0.0, 2.0): [[2.0, 0.0], [0.0, 0.0]],  # ∂²/∂b∂a = a^(b−1)(1 + b·ln a) → 0, a^b·ln²a → 0
    (0.0, 0.0): [[0.0, 0.0], [0.0, 0.0]],  # a⁰ = 1 is constant in a; 0^b is 0 for b > 0
}


@pytest.mark.parametrize("name, build, point", EDGES, ids=[f"{n}-{p}" for n, _, p in EDGES])
def test_second_derivatives_at_edges_match_pytorch(name, build, point):
    hessian, _ = _chainrule_hessian(build, point)
    expected, _ = _torch_hessian(build, point)
    if name == "pow" and point in LIMITS:
        assert any(math.isnan(v) for row in expected for v in row)  # PyTorch's, as described
        expected = LIMITS[point]
    for row, expected_row in zip(hessian, expected):
        for found, want in zip(row, expected_row):
            assert _same(found, want), (hessian, expected)
