"""EXPR and ``--set`` for the expression commands, and the table of ``chainrule gradcheck``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

from chainrule.cli_support import finite_number, one_line, usage_error
from chainrule.engine.expr import MissingValuesError, parse
from chainrule.engine.gradcheck import GradcheckRow

#: The lecture example and its values (so that ∂L/∂θ1 = 2(θ1θ2x − y)·θ2x = 15).
DEFAULT_EXPRESSION = "(θ1*θ2*x - y)**2"
DEFAULT_VALUES = {"θ1": 0.5, "θ2": -1.5, "x": 2.0, "y": 1.0}


def assignments(pairs: Sequence[str]) -> dict[str, float]:
    """``name=value`` pairs from repeated ``--set`` options (the last one of a name wins).

    >>> assignments(["θ1=0.5", "x = 2", "θ1=1e-3"])
    {'θ1': 0.001, 'x': 2.0}
    """
    values: dict[str, float] = {}
    for pair in pairs:
        name, equals, text = pair.partition("=")
        name = name.strip()
        if not equals or not name:
            raise click.UsageError(one_line(f"--set expects name=value, got {pair!r}"))
        if not name.isidentifier():
            raise click.UsageError(one_line(f"--set: {name!r} is not a valid name"))
        values[name] = finite_number(text.strip(), f"--set {name}")
    return values


def expression(text: str | None, pairs: Sequence[str]) -> tuple[Any, dict[str, Any]]:
    """The graph of EXPR with the ``--set`` values: ``(root, leaves)`` as `parse` gives them.

    Without EXPR, the lecture example with its default values (each may be overridden).

    Raises:
        click.UsageError: for a malformed ``--set``, a missing or unknown name, an
            expression outside the grammar (the parser's message names the column), or one
            without names.
    """
    text, values = expression_values(text, pairs)
    try:
        root, leaves = parse(text, **values)
    except MissingValuesError as error:
        missing = ", ".join(error.names)
        raise click.UsageError(
            one_line(f"no value given for {missing}: add --set {error.names[0]}=NUMBER for each")
        ) from None
    except (ValueError, TypeError) as error:
        raise usage_error(error) from None
    except (RecursionError, MemoryError, OverflowError):
        raise click.UsageError("expression too large to build") from None
    if not leaves:
        raise click.UsageError("EXPR has no names, so nothing to differentiate (e.g. 'x**2')")
    return root, leaves


def expression_values(text: str | None, pairs: Sequence[str]) -> tuple[str, dict[str, float]]:
    """EXPR (the lecture example when None) and its values from ``--set``."""
    values = assignments(pairs)
    if text is None:
        return DEFAULT_EXPRESSION, {**DEFAULT_VALUES, **values}
    return text, values


def leaf_named(leaves: dict[str, Any], name: str | None, option: str) -> Any:
    """The leaf called `name` (None stays None), or a usage error listing the leaves."""
    if name is None:
        return None
    if name not in leaves:
        known = ", ".join(leaves) or "none"
        raise click.UsageError(one_line(f"{option}: no leaf named {name!r} (leaves: {known})"))
    return leaves[name]


def expression_arguments(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``[EXPR]`` and ``--set name=value`` to a command."""
    command = click.option(
        "--set",
        "pairs",
        multiple=True,
        metavar="NAME=VALUE",
        help="A value for a name in EXPR (repeatable). Overrides the example's defaults.",
    )(command)
    return click.argument("expr", required=False)(command)


# ----------------------------------------------------------------------------- gradcheck
def gradient_table(rows: Sequence[GradcheckRow]) -> str:
    """`gradcheck_report`'s rows, one per leaf, as a table: leaf | analytic | numeric | ok."""
    cells = [("leaf", "analytic", "numeric", "ok")]
    cells += [
        (str(r.label), f"{r.analytic:.10g}", f"{r.numeric:.10g}", "ok" if r.ok else "MISMATCH")
        for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in cells
    ]
    return "\n".join(lines)
