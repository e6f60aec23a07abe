"""Number and text formatting shared by every picture and story: magnitudes, minus signs, HTML.

All of viz writes negative numbers with a real minus sign (U+2212), so that a diagram, a
step's formula and the terminal text read the same.
"""

from __future__ import annotations

import html
import math
import re
from typing import Any

MINUS = "\u2212"
BLANK = "\u2014"  # an em dash: "not computed yet"
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def format_number(x: float) -> str:
    """Format a number to its magnitude: small values stay visible, large ones keep their digits.

    Values from 0.001 up to 10⁷ get about four significant digits but never lose an integer
    digit; smaller and larger ones use scientific notation.

    >>> [format_number(v) for v in (15.0, -5.0, 3e-06, 123456.7, 0.123456, 2.5e9)]
    ['15', '−5', '3e-06', '123456.7', '0.1235', '2.5e+09']
    """
    x = float(x)
    magnitude = -x if x < 0 else x
    if 1e-3 <= magnitude < 1e7:
        if magnitude.is_integer():
            text = f"{magnitude:.0f}"
        else:
            # about four significant digits, but never fewer than the integer part has
            decimals = 3 - math.floor(math.log10(magnitude))
            text = f"{magnitude:.{decimals if decimals > 1 else 1}f}".rstrip("0").rstrip(".")
    elif x == 0:
        return "0"
    elif x != x:
        return "nan"
    elif magnitude == math.inf:
        text = "∞"
    else:
        text = f"{magnitude:.4g}"
    return MINUS + text if x < 0 else text


def format_signed(x: float) -> str:
    """A number in a product: negative numbers get parentheses, ``(−5)``."""
    text = format_number(x)
    return f"({text})" if text.startswith(MINUS) else text


def summarize_array(data: Any) -> str:
    """One line for an array: shape, mean and range, e.g. ``(256, 10) mean 0.12 [−1.3, 2]``."""
    import numpy

    array = numpy.asarray(data)
    shape = _shape_text(array.shape)
    if array.ndim == 0:
        return format_number(float(array))
    if array.size == 0:
        return f"{shape} empty"
    if array.size == 1:
        return f"{shape} {format_number(float(array.reshape(-1)[0]))}"
    finite = array[numpy.isfinite(array)]
    if finite.size == 0:
        return f"{shape} no finite values"
    low, high = float(finite.min()), float(finite.max())
    mean = float(finite.mean())
    if abs(mean) < 1e-12 * max(abs(low), abs(high)):  # rounding noise of a zero mean
        mean = 0.0
    return f"{shape} mean {format_number(mean)} [{format_number(low)}, {format_number(high)}]"


def format_data(data: Any) -> str:
    """A scalar as a number, an array as its summary."""
    if isinstance(data, (int, float)):
        return format_number(data)
    return summarize_array(data)


def format_constant(data: Any) -> str:
    """A constant as it is folded into an op: the number, or only the shape of an array."""
    shape = getattr(data, "shape", None)
    if shape is None:
        return format_number(data)
    if getattr(data, "size", 1) == 1:
        return format_number(float(data.reshape(-1)[0]))
    return _shape_text(shape)


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def subscript(text: str) -> str:
    """Digits as Unicode subscripts: ``w1`` → ``w₁``."""
    return text.translate(_SUBSCRIPTS)


#: Characters a label cannot show or a renderer cannot read: C0 and C1 controls (tab, line
#: breaks, form feed, NUL, ESC, DEL …), Unicode line and paragraph separators, and lone
#: surrogates (not encodable as UTF-8).
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _escape_sequence(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def visible(text: str) -> str:
    """Control characters written as Python escapes: a tab shows as ``\\t``, ESC as ``\\x1b``.

    A label with a raw tab, line break, NUL or ESC made the renderer fail with a syntax
    error (or, in a terminal, ran an escape sequence); shown visibly, it also tells the
    reader what the label really holds.
    """
    if text.isprintable():  # the common case: nothing to do
        return text
    return _INVISIBLE.sub(_escape_sequence, text)


def escape_html(text: str) -> str:
    """Escape text for a Graphviz HTML-like label: ``<``, ``>``, ``&``, quotes; see `visible`."""
    if not text.isprintable():
        text = visible(text)
    if "&" in text or "<" in text or ">" in text or '"' in text or "'" in text:
        return html.escape(text, quote=True)
    return text  # the common case, checked first because diagrams escape every label
