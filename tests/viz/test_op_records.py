"""viz describes each op from its record: formulas for every op, softmax's recorded output."""

from __future__ import annotations

import re

import pytest

from chainrule import Value, softmax
from chainrule.engine.expr import FUNCTIONS
from chainrule.engine.ops import OPS
from chainrule.viz import explain


def test_explain_names_the_softmax_output_recorded_at_forward_time():
    # Regression: the output used to be guessed from the local derivatives, which are all
    # 0 here (s₁ = 1, s₀ = 0), so this printed softmax(x0, x1)[0] and the diagonal formula
    # a·(1 − a) for ∂L/∂x0.
    x0, x1 = Value(0.0, label="x0"), Value(1000.0, label="x1")
    text = explain(softmax([x0, x1])[1])
    assert "softmax(x0, x1)[1]" in text and "softmax(x0, x1)[0]" not in text
    assert "∂L/∂x0 = −L·s₀" in text  # off the diagonal: −s_i·s_j
    assert "∂L/∂x1 = L·(1 − L)" in text  # on it: s_i·(1 − s_i)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_function_is_explained_with_its_records_formula(name):
    x = Value(0.5, label="x")
    text = explain(getattr(x, name)())
    # the operand a of the record's formula is written as x
    expected = re.sub(r"(?<![A-Za-z_])a(?![A-Za-z_])", "x", OPS[name].formulas[0])
    assert f"L = {OPS[name].text.format(a='x')}" in text
    assert f"∂L/∂x = {expected}" in text
