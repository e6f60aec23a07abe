"""Colours and HTML-like Graphviz labels for value records, op nodes, neurons and the legend.

Colours carry meaning: the header of a value record says its role (parameter, input,
output), the gradient cell says the sign of ∂L/∂value: warm when increasing the value would
increase L, cool when it would decrease it.
"""

from __future__ import annotations

from chainrule.viz.format import BLANK, escape_html, format_data
from chainrule.viz.naming import INPUT, INTERMEDIATE, OUTPUT, PARAMETER

FONT = "Helvetica"
HEADER_FILL = {
    PARAMETER: "#e4d9ff",
    INPUT: "#d7f0d2",
    OUTPUT: "#ffe28a",
    INTERMEDIATE: "#eeeeee",
}
BORDER = {PARAMETER: "#6a4fb3", INPUT: "#3f8f3a", OUTPUT: "#b07d00", INTERMEDIATE: "#8a8a8a"}
POSITIVE_FILL, NEGATIVE_FILL, NEUTRAL_FILL = "#ffd3c4", "#cfe3fb", "#ffffff"
POSITIVE_EDGE, NEGATIVE_EDGE = "#e8704e", "#5b9bd5"  # the gradient colours, strong enough for lines
HIGHLIGHT = "#d1242f"
ACTIVE = "#e36209"
EDGE = "#555555"
MUTED = "#6b6b6b"


def grad_fill(grad: float | None) -> str:
    """The gradient cell's colour from the sign of the gradient (white when blank or 0)."""
    if grad is None or grad != grad or grad == 0:
        return NEUTRAL_FILL
    return POSITIVE_FILL if grad > 0 else NEGATIVE_FILL


def grad_text(grad: object) -> str:
    """The gradient cell's text: the number, a summary for arrays, or a dash when blank."""
    if grad is None:
        return f"grad {BLANK}"
    if isinstance(grad, str):
        return f"grad {grad}"
    return f"grad {format_data(grad)}"


def value_label(
    *,
    title: str,
    subtitle: str | None,
    data: str,
    grad: str | None,
    fill: str,
    header: str,
    border: str,
    extra: list[str] | None = None,
    data_prefix: str = "data ",
) -> str:
    """An HTML-like record: name (and what it is) over ``data …`` over ``grad …``, then any
    `extra` rows in small type."""
    head = f"<B>{escape_html(title)}</B>"
    if subtitle:
        head += f' <FONT POINT-SIZE="9" COLOR="{MUTED}">{escape_html(subtitle)}</FONT>'
    rows = [
        f'<TR><TD BGCOLOR="{header}">{head}</TD></TR>',
        f"<TR><TD>{data_prefix}{escape_html(data)}</TD></TR>",
    ]
    if grad is not None:
        rows.append(f'<TR><TD BGCOLOR="{fill}">{escape_html(grad)}</TD></TR>')
    for row in extra or []:
        rows.append(f'<TR><TD><FONT POINT-SIZE="9">{escape_html(row)}</FONT></TD></TR>')
    return (
        f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3" COLOR="{border}">'
        + "".join(rows)
        + "</TABLE>>"
    )


def edge_label(lines: list[str]) -> str:
    """A small two-line label for a weight edge: its value, then its gradient."""
    body = "<BR/>".join(escape_html(line) for line in lines)
    return f'<<FONT POINT-SIZE="9">{body}</FONT>>'


def text_block(lines: list[str], *, size: int = 12, bold_first: bool = False) -> str:
    """Left-aligned lines as an HTML-like label (for the chain rule and notes)."""
    parts = []
    for i, line in enumerate(lines):
        text = escape_html(line)
        if bold_first and i == 0:
            text = f"<B>{text}</B>"
        parts.append(text + '<BR ALIGN="LEFT"/>')
    return f'<<FONT POINT-SIZE="{size}">{"".join(parts)}</FONT>>'


def legend(show_grad: bool, root_name: str = "L", *, roles: set[str] | None = None) -> str:
    """One line that decodes the colours of the roles present (all when `roles` is None)."""
    # "raises L" reads well; a model's "raises out[2.0]" looks like a number: say "the output".
    name = escape_html(root_name) if root_name.isidentifier() else "the output"
    swatches = [
        f'<FONT COLOR="{BORDER[role]}">■</FONT> {role}'
        for role in (PARAMETER, INPUT, OUTPUT)
        if roles is None or role in roles
    ]
    if show_grad:
        swatches.append(
            f'grad: <FONT COLOR="#e8704e">■</FONT> &gt; 0 (raising the value raises {name}),'
            f' <FONT COLOR="#5b9bd5">■</FONT> &lt; 0'
        )
    return "   ".join(swatches)
