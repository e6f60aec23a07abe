"""The text of an expression: size and depth limits, and syntax errors that point at the problem."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainrule.engine.expr import MAX_LENGTH, parse


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


@pytest.mark.parametrize("text", ["x" + " y" * 4000, "(x +\n" + " y" * 3000 + ")"])
def test_many_operands_in_a_row_are_a_missing_operator_not_deep_nesting(text):
    # CPython's parser runs out of memory explaining these flat texts; the message said
    # "nested too deeply", though nothing is nested
    with pytest.raises(ValueError, match=r"operator is missing between two operands \("):
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


# --------------------------------------------------------------------------- syntax errors
SYNTAX = [
    # where the operand is missing: just after the last token (Python says column 0)
    ("x+", "ends too soon, after '+'", 3),
    ("x**", "ends too soon, after '**'", 4),
    ("x * -", "ends too soon, after '-'", 6),
    ("  x +  ", "ends too soon, after '+'", 6),
    ("x + # a comment", "ends too soon, after '+'", 4),
    ("(x +\n  y +\n)", "syntax error", None),
    # an unclosed bracket: the bracket itself
    ("(x", "'(' was never closed", 1),
    ("x + exp(y", "'(' was never closed", 8),
    ("x)", "unmatched ')'", 2),
    # two operands in a row: the second one, where the operator is missing
    ("x y", "operator is missing", 3),
    ("2 3", "operator is missing", 3),
    ("(x) y", "operator is missing", 5),
    ("exp(x y)", "operator is missing", 7),
    ("exp(x+1 y*2)", "operator is missing", 9),
    # a number run into a name: the name
    ("3x", "write 3*x for a product", 2),
    ("x + 2θ", "write 2*θ for a product", 6),
    ("1e5x", "write 1e5*x", 4),
    ("  3_000y", "write 3_000*y", 8),
    # Python's column is already the right one
    ("x +* 2", "invalid syntax", 4),
    ("x = 1", "invalid syntax", 3),
    ("x $", "invalid syntax", 3),  # not the end: a character Python cannot read
    ("x →", "invalid character '→'", 3),
]


@pytest.mark.parametrize(("text", "message", "column"), SYNTAX, ids=[t for t, _, _ in SYNTAX])
def test_syntax_errors_point_where_a_reader_would_look(text, message, column):
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        parse(text, x=1.0, y=1.0)
    assert str(error.value).startswith("syntax error: ")
    if column is not None:
        assert str(error.value).endswith(f"(column {column})"), str(error.value)


def test_syntax_errors_on_later_lines():
    with pytest.raises(ValueError, match=r"operator is missing.*\(line 2, column 5\)$"):
        parse("(x +\n  y y)", x=1.0, y=1.0)
    with pytest.raises(ValueError, match=r"ends too soon, after '\+' \(line 2, column 6\)$"):
        parse("x +\\\n  y +", x=1.0, y=1.0)


def test_a_line_break_outside_parentheses_is_explained():
    with pytest.raises(ValueError, match=r"line ends too soon.*\( \).*\(column 4\)$"):
        parse("x +\ny", x=1.0, y=1.0)
    root, _ = parse("(x +\ny)", x=1.0, y=2.0)
    assert root.data == 3.0


SOUP = st.lists(st.sampled_from(["x", "y", "3", "2.5", "θ", " ", "\n", "+", "**", "(", ")", "#"]))


@settings(max_examples=300, deadline=None)
@given(SOUP.map("".join))
def test_syntax_error_columns_stay_on_their_line(text):
    try:
        parse(text, **{name: 1.0 for name in ("x", "y", "θ") if name in text})
    except ValueError as error:
        found = re.search(r"\((?:line (\d+), )?column (\d+)\)$", str(error))
        if str(error).startswith("syntax error"):
            assert found, str(error)
            line, column = int(found.group(1) or 1), int(found.group(2))
            lines = text.split("\n")
            assert 1 <= line <= len(lines) and 1 <= column <= len(lines[line - 1]) + 1


@pytest.mark.parametrize(
    ("text", "where"), [("9" * 5000, "(column 1)"), ("  x + " + "9" * 4400, "(column 7)")]
)
def test_an_integer_past_pythons_digit_limit_is_named_with_its_column(text, where):
    # Python refuses it without a position; it was reported as "ends too soon, after '999…'"
    with pytest.raises(ValueError, match=re.escape(f"number is too large for a float {where}")):
        parse(text, x=1.0)
