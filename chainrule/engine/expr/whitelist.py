"""The whitelist of the expression parser: which `ast` nodes an expression may contain.

Numbers, names, the operators and calls of the ops whose records say the parser accepts
them (``+ - * / **``, unary ``-``/``+``, ``tanh(x)`` …), and parentheses pass; every other node
is refused with a message that names the construct and points at its column. The lists of
operators and functions are derived from the op records, never written here.
"""

from __future__ import annotations

import ast
import math
import operator
import unicodedata
from collections.abc import Callable
from typing import Any

from chainrule.engine.expr.source import Source
from chainrule.engine.ops import OPS

#: The functions an expression may call: the ops whose record has ``parser="call"``.
FUNCTIONS = tuple(name for name, op in OPS.items() if op.parser == "call")

MAX_NODES = 5_000

# Python's binary operators: their ast node, their symbol, and what Python does with them.
_PYTHON_BINARY: dict[type[ast.operator], tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", operator.add),
    ast.Sub: ("-", operator.sub),
    ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv),
    ast.Pow: ("**", operator.pow),
    ast.FloorDiv: ("//", operator.floordiv),
    ast.Mod: ("%", operator.mod),
    ast.MatMult: ("@", operator.matmul),
    ast.LShift: ("<<", operator.lshift),
    ast.RShift: (">>", operator.rshift),
    ast.BitOr: ("|", operator.or_),
    ast.BitAnd: ("&", operator.and_),
    ast.BitXor: ("^", operator.xor),
}


def _accepted(name: str) -> bool:
    op = OPS.get(name)
    return op is not None and op.parser == "operator"


#: The binary operators allowed (their record has ``parser="operator"``), by ast node.
BINARY = {node: apply for node, (symbol, apply) in _PYTHON_BINARY.items() if _accepted(symbol)}
#: The same operators by their symbol: ``{"+": operator.add, ...}``.
OPERATORS = {symbol: apply for symbol, apply in _PYTHON_BINARY.values() if _accepted(symbol)}
_SYMBOLS = " ".join(OPERATORS)
#: The unary operators allowed: ``+x`` is x itself, ``-x`` the record ``neg``.
_UNARY = (ast.UAdd, ast.USub) if _accepted("neg") else (ast.UAdd,)
_FORBIDDEN = {
    ast.Attribute: "attribute access is",
    ast.Subscript: "subscripts are",
    ast.Slice: "slices are",
    ast.Lambda: "lambdas are",
    ast.ListComp: "comprehensions are",
    ast.SetComp: "comprehensions are",
    ast.DictComp: "comprehensions are",
    ast.GeneratorExp: "generator expressions are",
    ast.Compare: "comparisons are",
    ast.BoolOp: "boolean operators (and, or) are",
    ast.IfExp: "conditional expressions are",
    ast.Starred: "starred arguments are",
    ast.JoinedStr: "f-strings are",
    ast.FormattedValue: "f-strings are",
    ast.NamedExpr: "assignment expressions (:=) are",
    ast.List: "lists are",
    ast.Tuple: "tuples are",
    ast.Set: "sets are",
    ast.Dict: "dicts are",
    ast.Await: "await is",
    ast.Yield: "yield is",
    ast.YieldFrom: "yield is",
}

Problem = tuple[str, tuple[int, int]]  # a message and the (line, byte offset) it points at


def validate(tree: ast.Expression, source: Source) -> list[str]:
    """Check every node against the whitelist; return the names in order of first appearance.

    Of several problems, the leftmost is reported (the outermost node on a tie). Names are
    returned as written (``ｘ``, though Python reads the full-width letter as ``x``).

    Raises:
        ValueError: naming the first construct outside the whitelist and its column, or when
            the tree has more than `MAX_NODES` nodes.
    """
    nodes = [n for n in ast.walk(tree.body) if isinstance(n, (ast.expr, ast.keyword))]
    if len(nodes) > MAX_NODES:
        raise ValueError(f"expression too large: {len(nodes)} syntax nodes (limit {MAX_NODES})")
    callees = {id(n.func) for n in nodes if isinstance(n, ast.Call)}
    problems = [p for p in (_problem(n, callees, source) for n in nodes) if p is not None]
    if problems:
        message, (line, offset) = min(problems, key=lambda problem: problem[1])
        raise ValueError(f"{message} {source.where(line, offset)}")
    found = sorted(
        (n for n in nodes if isinstance(n, ast.Name) and id(n) not in callees),
        key=lambda n: (n.lineno, n.col_offset),
    )
    first: dict[str, str] = {}
    for name in found:
        first.setdefault(name.id, source.segment(name))
    return list(first.values())


def _problem(node: ast.expr | ast.keyword, callees: set[int], source: Source) -> Problem | None:
    at = (node.lineno, node.col_offset)
    if isinstance(node, ast.BinOp):
        if type(node.op) in BINARY:
            return None
        symbol = _PYTHON_BINARY.get(type(node.op), (type(node.op).__name__,))[0]
        hint = "powers are written **" if symbol == "^" else f"use {_SYMBOLS}"
        return f"the {symbol} operator is not allowed ({hint})", source.operator_position(node)
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, _UNARY):
            return None
        return ("'not' is" if isinstance(node.op, ast.Not) else "the ~ operator is") + (
            " not allowed"
        ), at
    if isinstance(node, ast.Constant):
        message = _constant_problem(node.value)
        return None if message is None else (message, at)
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            return "names starting with '_' are not allowed", at
        if node.id in FUNCTIONS and id(node) not in callees:
            return f"{node.id} is a function: call it as {node.id}(...)", at
        return None
    if isinstance(node, ast.Call):
        return _call_problem(node)
    if isinstance(node, ast.keyword):
        return None  # checked with its call
    return _FORBIDDEN.get(type(node), f"{type(node).__name__} expressions are") + " not allowed", at


def _constant_problem(value: object) -> str | None:
    if isinstance(value, bool) or value is None or value is Ellipsis:
        return f"{value!r} is not allowed"
    if isinstance(value, int):
        try:
            float(value)
        except OverflowError:
            return "this number is too large for a float"
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "this number overflows a float"
    kinds = {str: "strings are", bytes: "bytes are", complex: "complex numbers are"}
    return kinds.get(type(value), f"{type(value).__name__} constants are") + " not allowed"


def _call_problem(node: ast.Call) -> Problem | None:
    at = (node.lineno, node.col_offset)
    if not isinstance(node.func, ast.Name):
        if type(node.func) in _FORBIDDEN:
            return None  # the callee reports itself ("attribute access is not allowed")
        return "calling the result of an expression is not allowed", at
    name = node.func.id
    if name not in FUNCTIONS:
        return (
            f"calls to {name!r}{lookalike_note(name)} are not allowed "
            f"(functions: {', '.join(FUNCTIONS)})"
        ), at
    options = OPS[name].options
    for keyword in node.keywords:
        where = (keyword.lineno, keyword.col_offset)
        if keyword.arg is None:
            return "keyword unpacking (**) is not allowed", where
        if keyword.arg not in options:
            allowed = "no keywords"
            if options:
                allowed = "only the keyword " + ", ".join(f"{option}=" for option in options)
            return f"keyword {keyword.arg!r} is not allowed: {name}() takes {allowed}", where
    if not node.args or len(node.args) + len(node.keywords) > 1 + len(options):
        takes = "exactly one argument"
        if options:
            takes = "one argument and an optional " + " and ".join(options)
        return f"{name}() takes {takes}", at
    return None


def lookalike_note(name: str) -> str:
    """`` (with U+0435 CYRILLIC SMALL LETTER IE)`` for a name with letters outside ASCII.

    Such letters can look like ASCII ones (Cyrillic ``ехр`` is not ``exp``), so a message
    about the name says which they are; ``""`` for an ASCII name.
    """
    letters = dict.fromkeys(c for c in name if not c.isascii())
    if not letters:
        return ""
    described = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in letters)
    return f" (with {described})"
