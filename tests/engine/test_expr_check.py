"""What the parser refuses: every construct outside the whitelist, with its message and column."""

from __future__ import annotations

import re

import pytest

from chainrule.engine.expr import parse

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
