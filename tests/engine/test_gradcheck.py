"""gradcheck itself: it passes correct gradients, catches wrong ones, and leaves inputs alone."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from chainrule.engine.gradcheck import GradcheckError, gradcheck, gradcheck_report
from chainrule.engine.tensor import Tensor
from chainrule.engine.value import Value


def _wrong_product(a: Value, b: Value) -> Value:
    out = a * b
    if out.local_grads:  # (under no_grad, as gradcheck's finite differences run, none recorded)
        out.local_grads = (out.local_grads[0], 2.0 * out.local_grads[1])  # ∂/∂b doubled: a bug
    return out


def test_a_correct_function_passes():
    inputs = [Value(0.3, label="a"), Value(-1.2, label="b")]
    assert gradcheck(lambda a, b: (a * b).sigmoid() + (a - b) ** 2, inputs) is True


def test_a_wrong_gradient_raises_naming_the_input_and_both_numbers():
    a, b = Value(0.5, label="a"), Value(3.0, label="b")
    with pytest.raises(GradcheckError, match=r"'b' \(input 1\).*analytic 1\.0 vs numeric 0\.5"):
        gradcheck(_wrong_product, [a, b])
    assert issubclass(GradcheckError, ValueError)


def test_the_worst_input_is_named():
    a, b = Value(0.5), Value(3.0)

    def wrong_both(a: Value, b: Value) -> Value:
        out = a * b
        if out.local_grads:
            out.local_grads = (out.local_grads[0] * 1.01, out.local_grads[1] + 1.0)
        return out

    with pytest.raises(GradcheckError, match=r"input 1"):
        gradcheck(wrong_both, [a, b])


def test_raise_exception_false_returns_false():
    assert gradcheck(_wrong_product, [Value(0.5), Value(3.0)], raise_exception=False) is False


def test_inputs_are_left_as_they_were():
    a, b = Value(0.5, label="a"), Value(3.0, label="b")
    a.grad, b.grad = 7.0, -2.0
    gradcheck(lambda a, b: a * b, [a, b])
    gradcheck(_wrong_product, [a, b], raise_exception=False)
    assert (a.data, b.data, a.grad, b.grad) == (0.5, 3.0, 7.0, -2.0)


def test_inputs_are_restored_when_f_raises():
    a = Value(0.5)

    def explode(x: Value) -> Value:
        if x.data != 0.5:
            raise RuntimeError("perturbed")
        return x * 2.0

    with pytest.raises(RuntimeError):
        gradcheck(explode, [a])
    assert a.data == 0.5 and a.grad == 0.0


def test_only_inputs_that_require_grad_are_checked():
    a, frozen = Value(0.5), Value(3.0, requires_grad=False)
    assert gradcheck(_wrong_product, [a, frozen]) is True  # the wrong ∂/∂b is never checked
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(lambda x: x * 2.0, [frozen])


def test_several_outputs_and_a_single_input():
    x = Value(0.8, label="x")
    assert gradcheck(lambda v: [v.tanh(), v * v, v.exp()], x)
    with pytest.raises(GradcheckError, match="output element 1"):
        gradcheck(lambda v: [v.tanh(), _wrong_product(v, v)], x)


def test_an_output_that_does_not_depend_on_the_inputs():
    x = Value(0.8)
    assert gradcheck(lambda v: [v * 2.0, Value(3.0, requires_grad=False)], [x])


def test_tolerances_follow_pytorch():
    x = Value(2.0)

    def slightly_off(v: Value) -> Value:
        out = v * 3.0
        if out.local_grads:
            out.local_grads = (3.0 + 4e-3, 0.0)  # analytic 3.004, numeric 3
        return out

    # |3.004 − 3| = 4e-3 against atol + rtol·3
    assert gradcheck(slightly_off, [x], atol=0.0, rtol=1e-3, raise_exception=False) is False
    assert gradcheck(slightly_off, [x], atol=0.0, rtol=1e-2) is True
    assert gradcheck(slightly_off, [x], atol=5e-3, rtol=0.0) is True


def test_nan_gradients_fail():
    x = Value(-1.0)
    with pytest.raises(GradcheckError, match="nan"):
        gradcheck(lambda v: v.sqrt(), [x])
    assert math.isnan(Value(-1.0).sqrt().data)


def test_type_errors():
    with pytest.raises(TypeError):
        gradcheck(lambda v: v, [1.0])
    with pytest.raises(TypeError):
        gradcheck(lambda v: "not a value", [Value(1.0)])


class _ArrayLeaf:
    """The duck type gradcheck accepts for arrays: `data` an ndarray, `grad` None at first."""

    def __init__(self, data, label=None):
        self.data, self.grad, self.requires_grad, self.label = data, None, True, label

    def backward(self, seed):
        raise RuntimeError("a leaf is never an output here")


class _Square:
    """y = x², elementwise, with a backward that may be wrong by `factor` (2 is right)."""

    def __init__(self, x, factor):
        self.x, self.factor = x, factor
        self.data, self.requires_grad = x.data**2, True

    def backward(self, seed):
        assert seed.shape == self.data.shape
        contribution = self.factor * self.x.data * seed
        self.x.grad = contribution if self.x.grad is None else self.x.grad + contribution


def test_array_inputs_and_outputs_by_duck_typing():
    data = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -3.0]])
    x = _ArrayLeaf(data, label="W")
    assert gradcheck(lambda v: [_Square(v, 2.0)], [x])
    assert x.data is data and x.grad is None  # restored, untouched
    assert data.tolist() == [[0.5, -1.0, 2.0], [1.5, 0.25, -3.0]]
    with pytest.raises(GradcheckError, match=r"'W' \(input 0\) at element \(1, 2\)"):
        gradcheck(lambda v: _Square(v, 2.5), [x])  # the worst element is the largest, −3


# ------------------------------------------------------------------------------ the report
def test_the_report_gives_every_number_and_verdict():
    a, b = Value(0.5, label="a"), Value(3.0, label="b")
    rows = gradcheck_report(_wrong_product, [a, b])
    assert [(row.input_index, row.label, row.element, row.output_element) for row in rows] == [
        (0, "a", (), 0),
        (1, "b", (), 0),
    ]
    assert rows[0].analytic == 3.0 and rows[0].numeric == pytest.approx(3.0) and rows[0].ok
    assert rows[1].analytic == 1.0 and rows[1].numeric == pytest.approx(0.5) and not rows[1].ok
    assert (a.data, b.data, a.grad, b.grad) == (0.5, 3.0, 0.0, 0.0)


def test_the_report_skips_frozen_inputs_and_follows_the_tolerances():
    x, frozen = Value(2.0, label="x"), Value(3.0, requires_grad=False)
    rows = gradcheck_report(lambda a, b: a * b, [x, frozen], atol=0.0, rtol=0.0)
    assert [row.label for row in rows] == ["x"]
    exact = rows[0].analytic == rows[0].numeric
    assert rows[0].ok is exact  # no tolerance at all: only equal numbers agree


def test_the_report_of_arrays_has_one_row_per_output_and_input_element():
    data = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -3.0]])
    rows = gradcheck_report(lambda v: [_Square(v, 2.5)], [_ArrayLeaf(data, label="W")])
    assert len(rows) == 36  # 6 input elements × 6 output elements
    assert [row.element for row in rows[:7]] == [(0, 0)] * 6 + [(0, 1)]
    assert [row.output_element for row in rows[:7]] == [0, 1, 2, 3, 4, 5, 0]
    diagonal = [
        row for row in rows if row.output_element == np.ravel_multi_index(row.element, (2, 3))
    ]
    assert [row.analytic for row in diagonal] == pytest.approx(list(2.5 * data.ravel()))
    assert [row.numeric for row in diagonal] == pytest.approx(list(2.0 * data.ravel()), rel=1e-6)
    assert not any(row.ok for row in diagonal)
    assert all(row.ok and row.analytic == 0.0 for row in rows if row not in diagonal)


@pytest.mark.parametrize(
    ("f", "inputs"),
    [
        (lambda a, b: (a * b).sigmoid() + (a - b) ** 2, [Value(0.3), Value(-1.2)]),
        (_wrong_product, [Value(0.5), Value(3.0)]),
        (lambda v: [v.tanh(), _wrong_product(v, v)], [Value(0.8)]),
        (lambda v: v.sqrt(), [Value(-1.0)]),
    ],
)
def test_gradcheck_is_the_verdict_of_the_report(f, inputs):
    verdict = all(row.ok for row in gradcheck_report(f, inputs))
    assert gradcheck(f, inputs, raise_exception=False) is verdict


def test_infinite_outputs_are_a_mismatch_without_numpy_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (row,) = gradcheck_report(lambda v: v.exp(), [Value(1000.0)])  # inf − inf: nan
    assert row.analytic == math.inf and math.isnan(row.numeric) and not row.ok


@pytest.mark.parametrize(
    ("f", "x", "op"),
    [
        (lambda x: x.relu(), Value(0.0, label="x"), "relu"),
        (lambda x: (x * 3).leaky_relu(0.1), Value(0.0, label="x"), "leaky_relu"),
        (lambda x: (x - 1).abs(), Value(1.0 + 2e-7, label="x"), "abs"),  # |a| is even: off 0
        (lambda x: x.relu(), Value(2e-7, label="x"), "relu"),  # within a step of the kink
        (lambda t: t.relu().sum(), Tensor([0.0, 1.0], requires_grad=True, label="x"), "relu"),
        (lambda t: t.abs().sum(), Tensor([2e-7], requires_grad=True, label="x"), "abs"),
    ],
)
def test_a_mismatch_at_a_kink_says_the_derivative_is_one_sided(f, x, op):
    with pytest.raises(GradcheckError, match=f"'x' sits on a kink of {op}.*one-sided"):
        gradcheck(f, [x])
    bad = [row for row in gradcheck_report(f, [x]) if not row.ok]
    assert bad and all(f"kink of {op}" in row.hint for row in bad)


def test_a_gradient_of_exactly_zero_suggests_a_disconnected_input():
    x = Value(1.0, label="x")
    with pytest.raises(GradcheckError, match=r"exactly 0 \('x' is not in the output's graph\)"):
        gradcheck(lambda v: Value(math.exp(float(v))) * 2, [x])  # float() leaves the graph
    y = Value(0.5, label="y")
    with pytest.raises(GradcheckError, match="'y' gets 0.*float\\(\\) or math"):
        # y is in the graph through one path, broken by float() on the other
        gradcheck(lambda v: v * 0 + Value(math.sin(float(v))), [y])


def test_a_plain_mismatch_has_no_hint():
    inputs = [Value(0.3, label="a"), Value(-1.2, label="b")]
    with pytest.raises(GradcheckError) as error:
        gradcheck(_wrong_product, inputs)
    assert str(error.value).endswith(")")  # the numbers, and no guess appended
    assert [row.hint for row in gradcheck_report(_wrong_product, inputs)] == ["", ""]
