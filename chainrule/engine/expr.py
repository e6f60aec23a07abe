"""The safe expression parser: turns arithmetic text such as ``(θ1*θ2*x - y)**2`` into a graph.

The text is parsed by `ast` and then checked against a whitelist (numbers, names, ``+ - * /
**``, parentheses, calls to a few functions); nothing is ever evaluated by Python. Limits on
the length, the nesting depth (checked by a scan *before* `ast.parse`, whose own recursion
would otherwise fail) and the node count keep hostile input cheap, and constant arithmetic is
done in floats, so ``9**9**9**9`` fails at once instead of computing a huge integer.
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
import warnings
from collections.abc import Mapping
from typing import Union, cast

from chainrule.engine.value import Value

#: The functions an expression may call (``leaky_relu`` also takes ``slope=``).
FUNCTIONS = ("abs", "exp", "log", "sqrt", "relu", "leaky_relu", "sigmoid", "tanh", "gelu")

MAX_LENGTH = 10_000
MAX_DEPTH = 200  # CPython's own parser stops at 200 nested parentheses
MAX_NODES = 5_000

Result = Union[Value, float]  # a sub-expression: a graph node, or a constant folded to a float

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_BINARY_OTHER = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
}
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
# Tokens for the depth pre-scan: each operator, dot and bracket may add one level to the tree.
_TOKEN = re.compile(
    r"(?P<number>(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)"
    r"|(?P<name>\w+)|(?P<open>[(\[{])|(?P<close>[)\]}])|(?P<op>\*\*|[-+*/%@<>=&|^~.!])"
    r"|(?P<other>\s+|.)",
    re.DOTALL,
)


def parse(text: str, /, **values: float) -> tuple[Value, dict[str, Value]]:
    """Build the graph of an arithmetic expression.

    Args:
        text: Python-like arithmetic: numbers, names (Unicode allowed, e.g. ``θ1``), ``+ - *
            / **``, unary ``-``/``+``, parentheses and calls to the functions in `FUNCTIONS`
            (``leaky_relu(x, 0.1)`` or ``leaky_relu(x, slope=0.1)``).
        **values: a number for every name in the expression.

    Returns:
        ``(root, leaves)``: the expression's output, and a dict name → leaf Value (labelled
        with its name, ``requires_grad=True``) in order of first appearance.

    Raises:
        ValueError: for anything outside the whitelist (naming the construct and its column),
            syntax errors, inputs past the size limits, constant arithmetic that overflows a
            float, and missing or unknown names.
        TypeError: if `text` is not a str or a value is not a number.

    >>> L, leaves = parse("(θ1*θ2*x - y)**2", θ1=0.5, θ2=-1.5, x=2, y=1)
    >>> L.data
    6.25
    >>> L.backward()
    >>> {name: leaf.grad for name, leaf in leaves.items()}
    {'θ1': 15.0, 'θ2': -5.0, 'x': 3.75, 'y': 5.0}
    """
    source = _Source(text)
    tree = source.parse()
    names = _validate(tree, source)
    leaves = _make_leaves(names, values)
    root = _Evaluator(source, {_normal(name): leaf for name, leaf in leaves.items()}).run(tree)
    if not isinstance(root, Value):
        root = Value(root, requires_grad=False)
    return root, leaves


class _Source:
    """The text, its limits, and the conversion of `ast` byte offsets to character columns."""

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"parse() takes the expression as a str, got {type(text).__name__}")
        if len(text) > MAX_LENGTH:
            raise ValueError(f"expression too long: {len(text)} characters (limit {MAX_LENGTH})")
        if not text.strip():
            raise ValueError("the expression is empty")
        self.text = text
        bad = re.search(r"[\0\ud800-\udfff]", text)
        if bad:
            what = "NUL characters are" if bad.group() == "\0" else "lone surrogates are"
            raise ValueError(f"{what} not allowed {self.where_index(bad.start())}")
        # `ast` rejects leading blanks in an expression; drop them, and shift line 1's columns.
        self.indent = len(text) - len(text.lstrip(" \t\f"))
        self.lines = [line.encode() for line in re.split(r"\r\n|\r|\n", text[self.indent :])]
        self._check_depth()

    def _check_depth(self) -> None:
        """Bound the syntax tree's depth from the tokens, before `ast.parse` recurses.

        Each open bracket, operator and dot may nest the tree one level deeper (``a+b+c`` is
        ``(a+b)+c``, ``-(-x)`` two unary nodes); the count is an upper bound of the depth.
        """
        base, count, stack = 0, 0, []
        for match in _TOKEN.finditer(self.text):
            kind = match.lastgroup
            if kind == "open":
                stack.append((base, count))
                base, count = base + count + 1, 0
            elif kind == "close" and stack:
                base, count = stack.pop()
                count += 1  # a call or subscript applied to what precedes it nests once more
            elif kind == "op":
                count += 1
            if base + count > MAX_DEPTH:
                raise ValueError(
                    f"expression nested too deeply: more than {MAX_DEPTH} levels of operators "
                    f"and parentheses {self.where_index(match.start())}; split long sums or "
                    "products into parenthesised groups"
                )

    def where_index(self, index: int) -> str:
        """``(column C)`` for a character index into the text (1-based)."""
        line = self.text.count("\n", 0, index) + 1
        column = index - (self.text.rfind("\n", 0, index) + 1) + 1
        return _where(line, column)

    def parse(self) -> ast.Expression:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # SyntaxWarnings about code never run
                return ast.parse(self.text[self.indent :], mode="eval")
        except SyntaxError as error:
            message = (error.msg or "invalid syntax").split(" (")[0]
            line, column = error.lineno or 1, error.offset or 1
            raise ValueError(
                f"syntax error: {message} {_where(line, column + self.indent * (line == 1))}"
            ) from None
        except (RecursionError, MemoryError):
            raise ValueError("expression nested too deeply for Python's parser") from None

    def where(self, line: int, byte_offset: int) -> str:
        """``(column C)`` for an `ast` position; ast counts bytes, columns count characters."""
        encoded = self.lines[line - 1] if 0 < line <= len(self.lines) else b""
        column = len(encoded[:byte_offset].decode(errors="replace")) + 1
        return _where(line, column + self.indent * (line == 1))

    def segment(self, node: ast.expr) -> str:
        """The text of a node, when it sits on one line."""
        if node.lineno != node.end_lineno:
            return ast.get_source_segment(self.text[self.indent :], node) or ""
        return self.lines[node.lineno - 1][node.col_offset : node.end_col_offset].decode()

    def operator_position(self, node: ast.BinOp) -> tuple[int, int]:
        """Where a binary operator's symbol is: after the left operand and any ``)``."""
        line, offset = node.left.end_lineno or node.lineno, node.left.end_col_offset or 0
        encoded = self.lines[line - 1]
        while offset < len(encoded) and encoded[offset : offset + 1] in (b" ", b"\t", b")"):
            offset += 1
        if offset >= len(encoded):
            return node.lineno, node.col_offset
        return line, offset


def _where(line: int, column: int) -> str:
    return f"(column {column})" if line == 1 else f"(line {line}, column {column})"


def _normal(name: str) -> str:
    """Python folds identifiers to NFKC (``x₁`` is ``x1``); keyword names must match that."""
    return unicodedata.normalize("NFKC", name)


# ----------------------------------------------------------------------------- the whitelist
Problem = tuple[str, tuple[int, int]]  # a message and the (line, byte offset) it points at


def _validate(tree: ast.Expression, source: _Source) -> list[str]:
    """Check every node against the whitelist; return the names in order of first appearance.

    Of several problems, the leftmost is reported (the outermost node on a tie).
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


def _problem(node: ast.expr | ast.keyword, callees: set[int], source: _Source) -> Problem | None:
    at = (node.lineno, node.col_offset)
    if isinstance(node, ast.BinOp):
        if type(node.op) in _BINARY:
            return None
        symbol = _BINARY_OTHER.get(type(node.op), type(node.op).__name__)
        hint = "powers are written **" if symbol == "^" else "use + - * / **"
        return f"the {symbol} operator is not allowed ({hint})", source.operator_position(node)
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, (ast.USub, ast.UAdd)):
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
        return f"calls to {name!r} are not allowed (functions: {', '.join(FUNCTIONS)})", at
    for keyword in node.keywords:
        where = (keyword.lineno, keyword.col_offset)
        if keyword.arg is None:
            return "keyword unpacking (**) is not allowed", where
        if name != "leaky_relu" or keyword.arg != "slope":
            allowed = "only the keyword slope=" if name == "leaky_relu" else "no keywords"
            return f"keyword {keyword.arg!r} is not allowed: {name}() takes {allowed}", where
    most = 2 if name == "leaky_relu" else 1
    if not node.args or len(node.args) + len(node.keywords) > most:
        takes = "one argument and an optional slope" if most == 2 else "exactly one argument"
        return f"{name}() takes {takes}", at
    return None


# ------------------------------------------------------------------------------- the graph
def _make_leaves(names: list[str], values: Mapping[str, object]) -> dict[str, Value]:
    given = {_normal(key): key for key in values}
    wanted = {_normal(name) for name in names}
    missing = [name for name in names if _normal(name) not in given]
    if missing:
        raise ValueError(
            f"no value given for {', '.join(missing)}: pass each name's number as a keyword "
            f"argument, e.g. parse(text, {missing[0]}=1.0)"
        )
    unknown = [key for normal, key in given.items() if normal not in wanted]
    if unknown:
        verb = "is" if len(unknown) == 1 else "are"
        raise ValueError(
            f"value given for {', '.join(unknown)}, which {verb} not in the expression"
        )
    leaves = {}
    for name in names:
        value = values[given[_normal(name)]]
        try:
            leaves[name] = Value(value, label=name)  # type: ignore[arg-type]
        except TypeError:
            raise TypeError(
                f"the value of {name} must be a real number, got {type(value).__name__}"
            ) from None
    return leaves


class _Evaluator:
    """Evaluates the checked tree bottom-up with an explicit stack (no recursion)."""

    def __init__(self, source: _Source, leaves: dict[str, Value]) -> None:
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
            return self.combine(node, _BINARY[type(node.op)], arguments)
        call = cast(ast.Call, node)  # the whitelist allows nothing else
        return self.call(call, cast(ast.Name, call.func).id, arguments)

    def combine(self, node: ast.expr, symbol: str, arguments: list[Result]) -> Result:
        a, b = arguments
        if isinstance(a, Value) or isinstance(b, Value):
            return _ARITHMETIC[symbol](a, b)  # numbers become constant leaves of the graph
        return self.fold(node, lambda: _ARITHMETIC[symbol](Value(a), b).data, a, b)

    def call(self, node: ast.Call, name: str, arguments: list[Result]) -> Result:
        x = arguments[0]
        options = {}
        if name == "leaky_relu" and len(arguments) == 2:
            slope = arguments[1]
            if isinstance(slope, Value):
                raise ValueError(
                    f"the slope of leaky_relu must be a number {self.source.where(*_at(node))}"
                )
            options["slope"] = slope
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


_ARITHMETIC = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}


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
