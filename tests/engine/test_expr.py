"""The safe expression parser: the graph it builds, and everything it refuses (with a column)."""

from __future__ import annotations

import math
import re

import pytest

from chainrule.engine import graph
from chainrule.engine.expr import FUNCTIONS, MAX_LENGTH, parse
from chainrule.engine.mode import detect_anomaly
from chainrule.engine.value import Value


def test_functions_list():
    assert FUNCTIONS == (
        "abs",
        "exp",
        "log",
        "sqrt",
        "relu",
        "leaky_relu",
        "sigmoid",
        "tanh",
        "gelu",
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
    with pytest.raises(ValueError, match=r"θ2, y"):
        parse("(θ1*θ2*x - y)**2", θ1=0.5, x=2.0)


def test_unknown_values_are_named():
    with pytest.raises(ValueError, match=r"'?z'?.*not in the expression"):
        parse("x + 1", x=1.0, z=2.0)


def test_values_must_be_numbers():
    with pytest.raises(TypeError, match="x"):
        parse("x + 1", x="2")


def test_a_name_called_text_is_fine():
    root, leaves = parse("text * 2", text=4.0)
    assert root.data == 8.0


# ------------------------------------------------------------------------------ refusals
REFUSED = [
    ("x + y.real", "attribute access", 5),
    ("x[0]", "subscripts", 1),
    ("(lambda: 1)()", "lambda", 2),
    ("[x for x in y]", "comprehension", 1),
    ("sum(x for x in y)", "sum", 1),
    ("'a' + x", "strings", 1),
    ("b'a'", "bytes", 1),
    ("x < 1", "comparison", 1),
    ("x and y", "boolean", 1),
    ("not x", "not", 1),
    ("~x", "~", 1),
    ("x // 2", "//", 3),
    ("x % 2", "%", 3),
    ("x @ y", "@", 3),
    ("x ^ 2", r"\^.*\*\*", 3),
    ("print(x)", "print", 1),
    ("__import__('os')", "_", 1),
    ("_x + 1", "_", 1),
    ("exp + 1", "function", 1),
    ("exp(x, 2)", "exactly one argument", 1),
    ("exp()", "exactly one argument", 1),
    ("exp(x=1)", "keyword", 5),
    ("leaky_relu(x, alpha=1)", "keyword 'alpha'", 15),
    ("leaky_relu(x, 1, slope=2)", "leaky_relu", 1),
    ("exp(*x)", "starred", 5),
    ("exp(**x)", r"\*\*", 5),
    ("f'{x}'", "f-string", 1),
    ("(y := 2)", ":=", 2),
    ("x if y else 1", "conditional", 1),
    ("x, y", "tuple", 1),
    ("{x: 1}", "dict", 1),
    ("1j * x", "complex", 1),
    ("True * x", "True", 1),
    ("None", "None", 1),
    ("...", "Ellipsis", 1),
    ("exp(x)(y)", "calling", 1),
    ("x +* 2", "syntax", 4),
    ("θ1 +* 2", "syntax", 5),
    ("θθ + x.y", "attribute", 6),
    ("x = 1", "syntax", None),
    ("", "empty", None),
    ("   ", "empty", None),
    ("x\0", "NUL", 2),
    ("1e999 * x", "overflows", 1),
    ("9**9**9**9", "overflows", 4),
    ("10.0 ** 400", "overflows", 1),
    ("x * (1e308 * 10)", "overflows", 6),
    ("exp(1000)", "overflows", 1),
    ("1 / 0", "divides by zero", 1),
]


@pytest.mark.parametrize(("text", "message", "column"), REFUSED, ids=[t for t, _, _ in REFUSED])
def test_refused_with_a_clear_message_and_column(text, message, column):
    names = {name: 1.0 for name in ("x", "y") if re.search(rf"\b{name}\b", text)}
    with pytest.raises(ValueError, match=message) as error:
        parse(text, **names)
    if column is not None:
        assert str(error.value).endswith(f"(column {column})"), str(error.value)


def test_errors_on_later_lines_give_the_line():
    with pytest.raises(ValueError, match=r"\(line 2, column 3\)"):
        parse("(x +\n  y.real)", x=1.0, y=2.0)


def test_column_counts_characters_after_leading_blanks():
    with pytest.raises(ValueError, match=r"\(column 8\)$"):
        parse("  θθ + y.real", θθ=1.0, y=2.0)


def test_non_str_input_is_a_type_error():
    for bad in (b"x + 1", 3, None):
        with pytest.raises(TypeError):
            parse(bad)


def test_too_long():
    with pytest.raises(ValueError, match="too long"):
        parse("x" + " + x" * MAX_LENGTH, x=1.0)


@pytest.mark.parametrize(
    "text",
    [
        "(" * 5000 + "x" + ")" * 5000,
        "(" * 4000 + "x" + ")" * 4000,
        "-" * 100_000 + "x",
        "-" * 9_000 + "x",
        "+" * 9_000 + "x",
        "x" + "**x" * 2000,
        "x" + "+x" * 3000,
        "x" + ".y" * 3000,
        "x" + "[0]" * 2000,
        "exp(" * 1000 + "x" + ")" * 1000,
        "[" * 3000,
        "not " * 2000 + "x",
    ],
    ids=lambda text: text[:8] + f"…({len(text)})",
)
def test_deep_or_long_input_fails_fast_with_value_error(text):
    with pytest.raises(ValueError):
        parse(text, x=1.0, y=1.0)


def test_deep_but_allowed_expressions_parse():
    root, leaves = parse("-" * 150 + "x", x=2.0)
    assert root.data == 2.0
    root, _ = parse("x" + "+x" * 150, x=1.0)
    assert root.data == 151.0
    root, _ = parse("(" * 90 + "x" + ")" * 90, x=1.0)
    assert root.data == 1.0


def test_long_flat_expressions_in_groups_parse_and_backward_without_recursion():
    group = "(" + "+".join(["x"] * 100) + ")"
    root, leaves = parse("+".join([group] * 20), x=1.0)
    root.backward()
    assert root.data == 2000.0 and leaves["x"].grad == 2000.0
    with pytest.raises(ValueError, match="too large"):
        parse("+".join([group] * 30), x=1.0)


def test_domain_errors_of_constants_follow_ieee():
    root, _ = parse("(-8) ** (1/3) + x", x=1.0)
    assert math.isnan(root.data)


def test_anomaly_mode_still_reports_nan_from_variables():
    with pytest.raises(FloatingPointError, match="log"), detect_anomaly():
        parse("log(x)", x=-1.0)
