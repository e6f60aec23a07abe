"""The safe expression parser: turns arithmetic text such as ``(θ1*θ2*x - y)**2`` into a graph.

The text is parsed by `ast` and then checked against a whitelist (numbers, names, ``+ - * /
**``, parentheses, calls to the functions the op records allow); nothing is ever evaluated by
Python. Limits on the length, the nesting depth (checked by a scan *before* `ast.parse`,
whose own recursion would otherwise fail) and the node count keep hostile input cheap, and
constant arithmetic is done in floats, so ``9**9**9**9`` fails at once instead of computing
a huge integer. The text checks live in `chainrule.engine.expr.source`, the whitelist in
`chainrule.engine.expr.whitelist`; this module builds the graph.
"""

from __future__ import annotations

import ast
import math
import unicodedata
from collections.abc import Mapping
from typing import Any, Union, cast

from chainrule.engine.expr.source import Source
from chainrule.engine.expr.whitelist import (
    BINARY,
    lookalike_note,
    validate,
)
from chainrule.engine.ops import OPS
from chainrule.engine.value import Value

Result = Union[Value, float]  # a sub-expression: a graph node, or a constant folded to a float


class MissingValuesError(ValueError):
    """Raised by `parse` when names of the expression have no value; ``.names`` lists them."""

    def __init__(self, message: str, names: list[str]) -> None:
        super().__init__(message)
        self.names = names


def parse(text: str, /, **values: float | Value) -> tuple[Value, dict[str, Value]]:
    """Build the graph of an arithmetic expression.

    Args:
        text: Python-like arithmetic: numbers, names (Unicode allowed, e.g. ``θ1``), ``+ - *
            / **``, unary ``-``/``+``, parentheses and calls to the functions in `FUNCTIONS`
            (``leaky_relu(x, 0.1)`` or ``leaky_relu(x, slope=0.1)``).
        **values: a value for every name in the expression: a number (which becomes a new
            leaf), or a `Value`, which is used as that leaf itself, so the graph is built on
            it (as `gradcheck` needs: ``lambda *xs: parse(text, **dict(zip(names, xs)))[0]``).

    Returns:
        ``(root, leaves)``: the expression's output, and a dict name → leaf Value in order of
        first appearance (a number's leaf is labelled with its name, ``requires_grad=True``).

    Raises:
        MissingValuesError: a ValueError, when names have no value (``.names`` lists them).
        ValueError: for anything outside the whitelist (naming the construct and its column),
            syntax errors, inputs past the size limits, constant arithmetic that overflows a
            float, and names given that the expression does not use.
        TypeError: if `text` is not a str or a value is neither a number nor a Value.

    >>> L, leaves = parse("(θ1*θ2*x - y)**2", θ1=0.5, θ2=-1.5, x=2, y=1)
    >>> L.data
    6.25
    >>> L.backward()
    >>> {name: leaf.grad for name, leaf in leaves.items()}
    {'θ1': 15.0, 'θ2': -5.0, 'x': 3.75, 'y': 5.0}
    """
    source = Source(text)
    tree = source.parse()
    leaves = _make_leaves(validate(tree, source), values)
    root = _Evaluator(source, {_normal(name): leaf for name, leaf in leaves.items()}).run(tree)
    if not isinstance(root, Value):
        root = Value(root, requires_grad=False)
    return root, leaves


def names(text: str, /) -> list[str]:
    """The names an expression needs values for, in order of first appearance, as written.

    Args:
        text: an expression, as for `parse`.

    Returns:
        The names (not the functions it calls), each once.

    Raises:
        ValueError: for the same malformed or refused text as `parse`.
        TypeError: if `text` is not a str.

    >>> names("tanh(w*x + b) * w")
    ['w', 'x', 'b']
    """
    source = Source(text)
    return validate(source.parse(), source)


def _normal(name: str) -> str:
    """Python folds identifiers to NFKC (full-width ``ｘ`` is ``x``); keywords must match that."""
    return unicodedata.normalize("NFKC", name)


# ------------------------------------------------------------------------------- the graph
def _make_leaves(names: list[str], values: Mapping[str, object]) -> dict[str, Value]:
    given: dict[str, str] = {}
    for key in values:
        other = given.setdefault(_normal(key), key)
        if other != key:
            raise ValueError(
                f"values given for both {other} and {key}, which Python reads as one name"
            )
    wanted = {_normal(name) for name in names}
    missing = [name for name in names if _normal(name) not in given]
    unknown = [key for normal, key in given.items() if normal not in wanted]
    if missing:
        # With a value given for another name, the two may only look alike (Cyrillic х, Latin x).
        listed = ", ".join(name + (lookalike_note(name) if unknown else "") for name in missing)
        raise MissingValuesError(
            f"no value given for {listed}: pass each name's number as a keyword argument, "
            f"e.g. parse(text, {missing[0]}=1.0)",
            missing,
        )
    if unknown:
        verb = "is" if len(unknown) == 1 else "are"
        raise ValueError(
            f"value given for {', '.join(unknown)}, which {verb} not in the expression"
        )
    leaves = {}
    for name in names:
        value = values[given[_normal(name)]]
        if isinstance(value, Value):
            leaves[name] = value  # the caller's own leaf: the graph is built on it
            continue
        try:
            leaves[name] = Value(value, label=name)  # type: ignore[arg-type]
        except TypeError:
            raise TypeError(
                f"the value of {name} must be a real number or a Value, got {type(value).__name__}"
            ) from None
    return leaves


class _Evaluator:
    """Evaluates the checked tree bottom-up with an explicit stack (no recursion)."""

    def __init__(self, source: Source, leaves: dict[str, Value]) -> None:
        self.source = source
        self.leaves = leaves

    def run(self, tree: ast.Expression) -> Result:
        results: list[Result] = []
        stack: list[tuple[ast.expr, bool]] = [(tree.body, False)]
        while stack:
            node, operands_done = stack.pop()
            operands = _operands(node)
            if operands and not operands_done:
                stack.append((node, True))
                stack.extend((operand, False) for operand in reversed(operands))
                continue
            arguments = results[len(results) - len(operands) :]
            del results[len(results) - len(operands) :]
            results.append(self.apply(node, arguments))
        return results[0]

    def apply(self, node: ast.expr, arguments: list[Result]) -> Result:
        if isinstance(node, ast.Constant):
            return float(cast(float, node.value))
        if isinstance(node, ast.Name):
            return self.leaves[node.id]
        if isinstance(node, ast.UnaryOp):
            return -arguments[0] if isinstance(node.op, ast.USub) else arguments[0]
        if isinstance(node, ast.BinOp):
            return self.combine(node, BINARY[type(node.op)], arguments)
        call = cast(ast.Call, node)  # the whitelist allows nothing else
        return self.call(call, cast(ast.Name, call.func).id, arguments)

    def combine(self, node: ast.expr, apply: Any, arguments: list[Result]) -> Result:
        a, b = arguments
        if isinstance(a, Value) or isinstance(b, Value):
            return apply(a, b)  # numbers become constant leaves of the graph
        return self.fold(node, lambda: apply(Value(a), b).data, a, b)

    def call(self, node: ast.Call, name: str, arguments: list[Result]) -> Result:
        x = arguments[0]
        # options come positionally in the record's order, then by keyword (the whitelist
        # has checked their names and number)
        given = [*OPS[name].options[: len(node.args) - 1], *(k.arg for k in node.keywords)]
        option_nodes = [*node.args[1:], *(keyword.value for keyword in node.keywords)]
        options = {}
        for option, value, option_node in zip(given, arguments[1:], option_nodes):
            if isinstance(value, Value):
                raise ValueError(
                    f"the {option} of {name} must be a number, not an expression of names "
                    f"{self.source.where(*_at(option_node))}"
                )
            options[str(option)] = value
        if isinstance(x, Value):
            return getattr(x, name)(**options)
        return self.fold(node, lambda: getattr(Value(x), name)(**options).data, x)

    def fold(self, node: ast.expr, compute, *operands: float) -> float:
        """Constant arithmetic, in floats: an infinity from finite numbers is an error."""
        result = compute()
        if math.isinf(result) and all(math.isfinite(x) for x in operands):
            text = self.source.segment(node)
            text = text if len(text) <= 40 else text[:37] + "..."
            raise ValueError(
                f"the constant {text} gives {result}: it overflows a float or divides by zero "
                f"{self.source.where(*_at(node))}"
            )
        return result


def _at(node: ast.expr) -> tuple[int, int]:
    return node.lineno, node.col_offset


def _operands(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return [*node.args, *(keyword.value for keyword in node.keywords)]
    return []
