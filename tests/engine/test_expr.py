"""The safe expression parser: the graph it builds, and everything it refuses (with a column)."""

from __future__ import annotations

import math

import pytest

from chainrule.engine import graph
from chainrule.engine.expr import FUNCTIONS, MissingValuesError, names, parse
from chainrule.engine.gradcheck import gradcheck, gradcheck_report
from chainrule.engine.mode import detect_anomaly
from chainrule.engine.ops import OPS
from chainrule.engine.value import Value


def test_functions_are_the_ops_whose_records_the_parser_accepts():
    assert FUNCTIONS == tuple(name for name, op in OPS.items() if op.parser == "call")
    assert {"abs", "exp", "log", "sqrt", "relu", "leaky_relu", "sigmoid", "tanh", "gelu"} < set(
        FUNCTIONS
    )
    assert "softmax" not in FUNCTIONS and "neg" not in FUNCTIONS  # a list op; written -x


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_function_parses_to_its_method(name):
    root, leaves = parse(f"{name}(x)", x=0.7)
    expected = getattr(Value(0.7), name)()
    assert (root.op, root.data, root.local_grads) == (
        expected.op,
        expected.data,
        expected.local_grads,
    )


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_function_builds_its_op(name):
    root, leaves = parse(f"{name}(x)", x=0.7)
    expected = getattr(Value(0.7), name)()
    assert root.op == name and root.children == (leaves["x"],)
    assert root.data == expected.data and root.local_grads == expected.local_grads


BINARY = [("a + b", "+"), ("a - b", "-"), ("a * b", "*"), ("a / b", "/"), ("a ** b", "**")]


@pytest.mark.parametrize(("text", "op"), BINARY)
def test_binary_operators(text, op):
    root, leaves = parse(text, a=1.5, b=2.0)
    assert root.op == op and root.children == (leaves["a"], leaves["b"])


def test_unary_minus_is_neg_and_unary_plus_is_nothing():
    root, leaves = parse("-+x", x=2.0)
    assert root.op == "neg" and root.children == (leaves["x"],)
    root, leaves = parse("+x", x=2.0)
    assert root is leaves["x"]


def test_numbers_become_constant_leaves():
    root, leaves = parse("2 * x + 1.5e-1", x=3.0)
    assert root.data == pytest.approx(6.15)
    constants = [n for n in graph.topological_order(root) if n.is_leaf and not n.requires_grad]
    assert sorted(c.data for c in constants) == [0.15, 2.0]
    assert all(c.label is None for c in constants)


def test_constant_arithmetic_is_folded_in_floats():
    root, _ = parse("2 ** 10 * x", x=1.0)
    assert root.children[0].data == 1024.0
    root, leaves = parse("-2 * 3")
    assert (root.data, root.requires_grad, leaves) == (-6.0, False, {})


def test_a_name_used_twice_is_one_leaf():
    root, leaves = parse("x * x", x=3.0)
    assert root.children == (leaves["x"], leaves["x"])
    root.backward()
    assert leaves["x"].grad == 6.0


def test_unicode_names_in_order_of_first_appearance():
    root, leaves = parse("y_2 + θ1 * x_2 - θ1", θ1=1.0, x_2=2.0, y_2=3.0)
    assert list(leaves) == ["y_2", "θ1", "x_2"]
    assert [leaf.label for leaf in leaves.values()] == ["y_2", "θ1", "x_2"]
    assert all(leaf.is_leaf and leaf.requires_grad for leaf in leaves.values())
    assert root.data == 4.0


def test_leaky_relu_slope_positional_keyword_and_default():
    for text in ("leaky_relu(x, 0.2)", "leaky_relu(x, slope=0.2)", "leaky_relu(x, -(-0.2))"):
        root, _ = parse(text, x=-1.0)
        assert root.data == pytest.approx(-0.2) and root.local_grads == (pytest.approx(0.2),)
    assert parse("leaky_relu(x)", x=-1.0)[0].data == -0.01


def test_functions_of_constants_fold():
    root, leaves = parse("x * exp(0) + sqrt(4)", x=3.0)
    assert root.data == 5.0


def test_whitespace_newlines_and_leading_blanks():
    root, _ = parse("  (x +\n   y)  ", x=1.0, y=2.0)
    assert root.data == 3.0


def test_the_result_matches_building_with_values():
    text = "sigmoid(a * b - c) / (1 + abs(c)) + gelu(a) ** 2 - log(b) * tanh(c)"
    point = {"a": 0.3, "b": 1.7, "c": -0.4}
    root, leaves = parse(text, **point)
    a, b, c = (Value(point[name]) for name in "abc")
    expected = (a * b - c).sigmoid() / (1 + c.abs()) + a.gelu() ** 2 - b.log() * c.tanh()
    root.backward()
    expected.backward()
    assert root.data == expected.data
    assert [leaf.grad for leaf in leaves.values()] == [a.grad, b.grad, c.grad]


# ------------------------------------------------------------------------------------ values
def test_missing_values_are_named():
    with pytest.raises(MissingValuesError, match=r"θ2, y") as error:
        parse("(θ1*θ2*x - y)**2", θ1=0.5, x=2.0)
    assert error.value.names == ["θ2", "y"]
    assert isinstance(error.value, ValueError)


def test_names_before_any_values():
    assert names("(θ1*θ2*x - y)**2 + θ1") == ["θ1", "θ2", "x", "y"]
    assert names("leaky_relu(w, slope=0.1) * exp(2)") == ["w"]  # functions are not names
    assert names("  (ｘ +\n 2)") == ["ｘ"]  # as written (Python reads the full-width ｘ as x)
    assert names("3 * 4") == []
    with pytest.raises(ValueError, match="attribute access"):
        names("x.real")


def test_existing_values_become_the_leaves():
    a, b = Value(3.0, label="weight"), Value(-2.0, requires_grad=False)
    root, leaves = parse("a * a + b", a=a, b=b)
    assert leaves == {"a": a, "b": b} and leaves["a"] is a
    assert root.children[0].children == (a, a) and root.children[1] is b
    assert a.label == "weight"  # the caller's leaf is used as it is
    root.backward()
    assert (a.grad, b.grad) == (6.0, 0.0)
    root, leaves = parse("x + y", x=a, y=1.5)  # Values and numbers mixed
    assert leaves["x"] is a and leaves["y"].label == "y" and root.data == 4.5


def test_parse_as_the_function_that_gradcheck_checks():
    text = "tanh(w*x + b) * w"
    inputs = [Value(0.5, label="w"), Value(2.0, label="x"), Value(-1.0, label="b")]

    def f(*values: Value) -> Value:
        return parse(text, **dict(zip(names(text), values)))[0]

    assert gradcheck(f, inputs)
    rows = gradcheck_report(f, inputs)
    assert [row.label for row in rows] == ["w", "x", "b"] and all(row.ok for row in rows)
    w, x, b = 0.5, 2.0, -1.0
    t = math.tanh(w * x + b)  # ∂/∂w (tanh(wx + b)·w) = (1 − t²)·x·w + t
    assert rows[0].analytic == pytest.approx((1 - t * t) * x * w + t)


def test_unknown_values_are_named():
    with pytest.raises(ValueError, match=r"'?z'?.*not in the expression"):
        parse("x + 1", x=1.0, z=2.0)


def test_lookalike_names_are_spelled_out():
    # Cyrillic х (U+0445) is a different name from Latin x, though it looks the same
    with pytest.raises(MissingValuesError, match=r"х \(with U\+0445 CYRILLIC SMALL LETTER HA\)"):
        parse("х + 1", x=2.0)
    with pytest.raises(ValueError, match=r"'ехр' \(with U\+0435 CYRILLIC SMALL LETTER IE"):
        parse("ехр(x)", x=2.0)
    with pytest.raises(MissingValuesError, match=r"^no value given for θ1: "):
        parse("θ1 + 1")  # no other name given: nothing it could be mistaken for


def test_two_values_for_one_name_after_unicode_folding_are_refused():
    # Python reads the full-width ｘ as x; one of the two values used to win silently
    with pytest.raises(ValueError, match="both x and ｘ"):
        parse("x + 1", **{"x": 2.0, "ｘ": 3.0})
    root, _ = parse("ｘ + 1", x=2.0)
    assert root.data == 3.0


def test_values_must_be_numbers_or_values():
    with pytest.raises(TypeError, match="x"):
        parse("x + 1", x="2")
    with pytest.raises(TypeError, match="real number or a Value"):
        parse("x + 1", x=[Value(1.0)])


def test_a_name_called_text_is_fine():
    root, leaves = parse("text * 2", text=4.0)
    assert root.data == 8.0


def test_domain_errors_of_constants_follow_ieee():
    root, _ = parse("(-8) ** (1/3) + x", x=1.0)
    assert math.isnan(root.data)


def test_anomaly_mode_still_reports_nan_from_variables():
    with pytest.raises(FloatingPointError, match="log"), detect_anomaly():
        parse("log(x)", x=-1.0)


@pytest.mark.parametrize(
    ("text", "column"), [("leaky_relu(x, x)", 15), ("2 * leaky_relu(x, slope=x * 2)", 25)]
)
def test_a_slope_made_of_names_is_refused_at_the_slope(text, column):
    with pytest.raises(
        ValueError, match=rf"slope of leaky_relu must be a number.*\(column {column}\)$"
    ):
        parse(text, x=1.0)
