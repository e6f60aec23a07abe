"""The op records are the one table: every other list of ops is derived from them and agrees.

Also the ops added through the records alone (sin, cos, softplus), on both paths.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from chainrule import Tensor, Value, gradcheck, log_softmax, parse, softmax
from chainrule.engine.ops import OPS, op_info
from chainrule.engine.tensor import GRADIENTS
from tests.engine.op_cases import OPS as CASES

SCALAR_OPS = {name for name, op in OPS.items() if op.scalar is not None}
ARRAY_OPS = {name for name, op in OPS.items() if op.forward is not None}


def test_every_record_with_a_scalar_rule_has_an_op_case_row():
    covered = {case.build(*[Value(x) for x in case.points[0]]).op for case in CASES}
    # softmax and log_softmax take a list: their rows are the tests in test_ops.py
    assert covered | {"softmax", "log_softmax"} == SCALAR_OPS


def test_the_tensor_gradient_table_is_the_records_vector_jacobian_products():
    assert GRADIENTS == {name: op.vjp for name, op in OPS.items() if op.vjp is not None}
    assert set(GRADIENTS) == ARRAY_OPS  # every array rule has its product


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_record_is_complete(name):
    op = OPS[name]
    assert op.name == name and op.symbol and op.text
    assert op.scalar is not None or op.forward is not None
    if op.arity is not None:
        assert len(op.formulas) == op.arity
    if op.parser == "call":
        assert op.scalar is not None and op.arity == 1
        assert callable(getattr(Value, name)) and callable(getattr(Tensor, name))
    if op.scalar is not None and op.arity == 1 and name != "neg":
        assert callable(getattr(Value, name))
    if op.forward is not None and op.arity == 1 and op.parser is not None and name != "neg":
        assert callable(getattr(Tensor, name))


def test_an_unknown_op_gets_a_plain_record():
    info = op_info("frobnicate")
    assert (info.symbol, info.text, info.formulas) == ("frobnicate", "frobnicate({a})", ())


# --------------------------------------------------------------- both paths, every op case
@pytest.mark.parametrize("case", CASES, ids=str)
def test_tensor_path_agrees_with_value_path_at_every_point(case):
    columns = [np.array(column) for column in zip(*case.points)]
    tensors = [Tensor(column, requires_grad=True) for column in columns]
    out = case.build(*tensors)
    out.sum().backward()
    for k, point in enumerate(case.points):
        values = [Value(x) for x in point]
        expected = case.build(*values)
        expected.backward()
        assert out.data[k] == pytest.approx(expected.data, rel=1e-12, abs=1e-300)
        for tensor, value in zip(tensors, values):
            assert tensor.grad[k] == pytest.approx(value.grad, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_tensor_path_gradcheck_at_every_point(case):
    columns = [np.array(column) for column in zip(*case.points)]
    assert gradcheck(case.build, [Tensor(column, requires_grad=True) for column in columns])


# ------------------------------------------------------------ the ops added by records only
def test_softplus_is_stable_at_large_magnitudes():
    for make in (Value, lambda x: Tensor(x, requires_grad=True)):
        big, small = make(1000.0), make(-1000.0)
        up, down = big.softplus(), small.softplus()
        assert float(up.data) == 1000.0  # not inf: e^1000 is never formed
        assert float(down.data) == 0.0  # e^−1000 ≈ 5e−435 is below the smallest double
        up.backward()
        down.backward()
        assert float(big.grad) == 1.0 and float(small.grad) == 0.0  # σ(±1000)
    x = Value(-30.0)
    y = x.softplus()
    y.backward()
    assert y.data == pytest.approx(math.exp(-30.0), rel=1e-12)  # log1p(e^a) ≈ e^a, not 0
    assert x.grad == pytest.approx(math.exp(-30.0), rel=1e-12)


def test_sin_and_cos_give_nan_at_infinity_as_ieee():
    for name in ("sin", "cos"):
        out = getattr(Value(math.inf), name)()
        assert math.isnan(out.data) and math.isnan(out.local_grads[0])
        with np.errstate(all="raise"):  # no NumPy warning either
            assert np.isnan(getattr(Tensor([math.inf, -math.inf]), name)().data).all()


@pytest.mark.parametrize("name", ["sin", "cos", "softplus"])
def test_new_ops_in_the_parser(name):
    root, leaves = parse(f"{name}(2*x) + x", x=0.3)
    root.backward()
    x = Value(0.3)
    expected = getattr(2 * x, name)() + x
    expected.backward()
    assert root.data == expected.data and leaves["x"].grad == x.grad


def test_softmax_outputs_know_their_place():
    inputs = [Value(0.0), Value(1000.0), Value(1000.0)]
    for outputs in (softmax(inputs), log_softmax(inputs)):
        assert [s.output_index for s in outputs] == [0, 1, 2]
        assert all(len(s.children) == 3 for s in outputs)
    single = softmax([Value(1.0)])[0]
    assert single.output_index == 0 and single.data == 1.0
    assert (inputs[0] * 2).output_index is None and inputs[0].output_index is None
