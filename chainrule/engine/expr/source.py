"""The text of an expression: size and nesting limits, syntax errors, and columns for messages.

Everything here runs before or around `ast.parse`: the length limit and the nesting pre-scan
keep hostile input cheap (CPython's parser recurses, so depth is bounded from the tokens
first), and every message ends with a 1-based character column (``(column 5)``, or
``(line 2, column 3)`` on later lines), even though `ast` counts bytes.
"""

from __future__ import annotations

import ast
import bisect
import io
import itertools
import re
import tokenize
import warnings

MAX_LENGTH = 10_000
MAX_DEPTH = 200  # CPython's own parser stops at 200 nested parentheses

# Tokens for the depth pre-scan: each operator, dot and bracket may add one level to the tree.
_TOKEN = re.compile(
    r"(?P<number>(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)"
    r"|(?P<name>\w+)|(?P<open>[(\[{])|(?P<close>[)\]}])|(?P<op>\*\*|[-+*/%@<>=&|^~.!])"
    r"|(?P<other>\s+|.)",
    re.DOTALL,
)
# A number written straight before a name, as in 3x or 1.5e (Python: "invalid decimal literal").
_NUMBER_THEN_NAME = re.compile(
    r"(?<![\w.])(?P<number>\d[\d_]*(?:\.[\d_]*)?(?:[eE][+-]?\d[\d_]*)?)(?P<name>[^\W\d_]\w*)"
)
_OPERAND_END = ("number", "name", "close")
_OPERAND_START = ("number", "name")  # not "open": name( and )( are calls


def where(line: int, column: int) -> str:
    """``(column C)`` on the first line, ``(line L, column C)`` after it."""
    return f"(column {column})" if line == 1 else f"(line {line}, column {column})"


class Source:
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
        self.body = text[self.indent :]
        self.text_lines = re.split(r"\r\n|\r|\n", self.body)
        self.lines = [line.encode() for line in self.text_lines]
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
        return where(line, column)

    def where_character(self, line: int, column: int) -> str:
        """``(column C)`` for a 1-based character column of the text without its indent."""
        return where(line, column + self.indent * (line == 1))

    def where(self, line: int, byte_offset: int) -> str:
        """``(column C)`` for an `ast` position; ast counts bytes, columns count characters."""
        encoded = self.lines[line - 1] if 0 < line <= len(self.lines) else b""
        return self.where_character(line, len(encoded[:byte_offset].decode(errors="replace")) + 1)

    def parse(self) -> ast.Expression:
        """`ast.parse` in eval mode; a syntax error becomes a ValueError with its column."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # SyntaxWarnings about code never run
                return ast.parse(self.body, mode="eval")
        except SyntaxError as error:
            message, line, column = self._syntax_problem(error)
            raise ValueError(
                f"syntax error: {message} {self.where_character(line, column)}"
            ) from None
        except (RecursionError, MemoryError):
            # CPython's parser also overflows while explaining long invalid input (``x y y …``)
            second = self._second_operand((1, 1), (len(self.text_lines), len(self.text_lines[-1])))
            if second is not None:
                message = "an operator is missing between two operands"
                raise ValueError(
                    f"syntax error: {message} {self.where_character(*second)}"
                ) from None
            raise ValueError("expression too complex for Python's parser") from None

    def segment(self, node: ast.expr) -> str:
        """The text of a node (joined with newlines when it spans lines)."""
        if node.lineno != node.end_lineno:
            return ast.get_source_segment(self.body, node) or ""
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

    # ------------------------------------------------------------------------ syntax errors
    def _syntax_problem(self, error: SyntaxError) -> tuple[str, int, int]:
        """The message, line and character column a reader should look at.

        Python points at the token it could not use, which is right for ``x +* 2``. Three cases
        move: at the end of the text (Python: column 0) the column is the one after the last
        token, where an operand is missing (``x+``); a number run into a name (``3x``) points
        at the name; two operands in a row (``x y``) point at the second, where an operator
        is missing.
        """
        message = (error.msg or "invalid syntax").split(" (")[0]
        too_long = _number_too_long(self.text_lines, error.msg or "")
        if too_long is not None:  # Python gives no position for it
            return "this number is too large for a float", *too_long
        line, column = error.lineno or 1, error.offset or 0
        text = self.text_lines[line - 1] if 0 < line <= len(self.text_lines) else ""
        rest = [text[max(column - 1, 0) :], *self.text_lines[line:]]
        if (
            column <= 0
            or message.startswith("unexpected EOF")
            or not any(part.split("#")[0].strip() for part in rest)  # only blanks, comments
        ):
            last = _last_token(self.body)
            if last is None:
                return "the expression ends too soon", line, max(column, 1)
            return f"the expression ends too soon, after {last[2]!r}", last[0], last[1]
        run_in = _number_then_name(text, column, message.startswith("invalid decimal literal"))
        if run_in is not None:
            hint, name_column = run_in
            return hint, line, name_column
        # Python's range [offset, end_offset) may cover both operands ("forgot a comma?"); on
        # several lines it can stop just short of the second, so the range goes one further.
        end = (error.end_lineno or line, error.end_offset or 0)
        second = self._second_operand((line, column), max(end, (line, column)))
        if second is not None:
            return "an operator is missing between two operands", *second
        if column > len(text.rstrip()) and line < len(self.text_lines):
            message = "the line ends too soon: to go on over several lines, wrap it all in ( )"
        return message.removesuffix(" Perhaps you forgot a comma?").rstrip("."), line, column

    def _second_operand(
        self, start: tuple[int, int], stop: tuple[int, int]
    ) -> tuple[int, int] | None:
        """`_second_operand` between two (line, column) positions, which may be lines apart."""
        joined = "\n".join(self.text_lines)
        starts = list(itertools.accumulate((len(line) + 1 for line in self.text_lines), initial=0))

        def index(position: tuple[int, int]) -> int:
            line = min(max(position[0], 1), len(self.text_lines))
            return starts[line - 1] + position[1] - 1

        found = _second_operand(joined, index(start), index(stop))
        if found is None:
            return None
        line = bisect.bisect_right(starts, found)
        return line, found - starts[line - 1] + 1


def _last_token(text: str) -> tuple[int, int, str] | None:
    """The line, the column just after it, and the text of the last token (not a comment)."""
    last = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type in (tokenize.OP, tokenize.NAME, tokenize.NUMBER, tokenize.STRING):
                last = token
    except (tokenize.TokenError, SyntaxError):
        pass  # an unfinished text: the tokens read so far still say where it stops
    return None if last is None else (last.end[0], last.end[1] + 1, last.string)


def _number_too_long(lines: list[str], message: str) -> tuple[int, int] | None:
    """Where the integer is that Python refuses to convert (more digits than its limit)."""
    limit = re.match(r"Exceeds the limit \((\d+) digits\)", message)
    if limit is None:
        return None
    for line, text in enumerate(lines, start=1):
        for match in re.finditer(r"\d[\d_]*", text):
            if sum(c.isdigit() for c in match.group()) > int(limit.group(1)):
                return line, match.start() + 1
    return 1, 1


def _number_then_name(text: str, column: int, python_says: bool) -> tuple[str, int] | None:
    """For ``3x`` at `column`: the hint ``write 3*x for a product`` and the name's column."""
    for match in _NUMBER_THEN_NAME.finditer(text):
        if match.start("name") == column - 1 or (
            python_says and match.start() <= column - 1 <= match.end()
        ):
            product = f"{match['number']}*{match['name']}"
            return f"a number runs into a name: write {product} for a product", match.start(
                "name"
            ) + 1
    return None


def _second_operand(text: str, start: int, stop: int) -> int | None:
    """The index of the first operand in ``text[start:stop + 1]`` that directly follows another.

    ``x y``, ``2 3`` and ``(x) y`` are two operands with no operator between them.
    """
    previous = None
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "other" and match.group().isspace():
            continue
        if match.start() > stop:
            return None
        if match.start() >= start and previous in _OPERAND_END and kind in _OPERAND_START:
            return match.start()
        previous = kind
    return None
