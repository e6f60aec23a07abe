"""The expression commands (render, steps, gradcheck, explain, grad): EXPR and ``--set`` in, a
picture or text out."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import click

from chainrule.cli.errors import (
    FiniteFloat,
    failures,
    finite_number,
    one_line,
    usage_error,
    user_errors,
)
from chainrule.cli.options import diagram_options, output_target, require_folder, save_diagram
from chainrule.engine.expr import MissingValuesError, parse
from chainrule.engine.gradcheck import GradcheckRow, gradcheck_report
from chainrule.engine.higher import derivative, derivative_name
from chainrule.viz.dot import RANKDIRS
from chainrule.viz.steps import DEFAULT_FRAME_SECONDS

#: The lecture example and its values (so that ∂L/∂θ1 = 2(θ1θ2x − y)·θ2x = 15).
DEFAULT_EXPRESSION = "(θ1*θ2*x - y)**2"
DEFAULT_VALUES = {"θ1": 0.5, "θ2": -1.5, "x": 2.0, "y": 1.0}


def assignments(pairs: Sequence[str]) -> dict[str, float]:
    """``name=value`` pairs from repeated ``--set`` options, each name once.

    >>> assignments(["θ1=0.5", "x = 2"])
    {'θ1': 0.5, 'x': 2.0}

    Raises:
        click.UsageError: for a malformed pair, a bad name or number, or a name given twice
            (``--set w=1 --set w=3``: which one was meant?).
    """
    values: dict[str, float] = {}
    for pair in pairs:
        name, equals, text = pair.partition("=")
        name = name.strip()
        if not equals or not name:
            raise click.UsageError(one_line(f"--set expects name=value, got {pair!r}"))
        if not name.isidentifier():
            raise click.UsageError(one_line(f"--set: {name!r} is not a valid name"))
        value = finite_number(text.strip(), f"--set {name}")
        if name in values:
            raise click.UsageError(
                one_line(
                    f"--set {name} given twice ({values[name]:g} and {value:g}): "
                    "give each name once"
                )
            )
        values[name] = value
    return values


def note_non_finite(root: Any, leaves: dict[str, Any], *, gradients: bool) -> None:
    """Say on stderr when the result (or, after backward, a leaf's gradient) is nan or inf.

    The picture or text is still made (it shows where the inf comes from); the note keeps a
    student from missing it, as ``log(x)`` at x = 0 otherwise exits 0 in silence.
    """
    problems = []
    if not math.isfinite(root.data):
        problems.append(f"the result is {root.data}")
    if gradients:
        bad = [f"∂/∂{name} = {leaf.grad}" for name, leaf in leaves.items()
               if not math.isfinite(leaf.grad)]  # fmt: skip
        if bad:
            problems.append("the gradient " + ", ".join(bad))
    if problems:
        click.echo(f"note: {'; '.join(problems)} at these values", err=True)


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
    """`gradcheck_report`'s rows, one per leaf, as a table: leaf | analytic | numeric | ok,
    then the likely reason of each mismatch that has one (a kink, a disconnected input)."""
    cells = [("leaf", "analytic", "numeric", "ok")]
    cells += [
        (str(r.label), f"{r.analytic:.10g}", f"{r.numeric:.10g}", "ok" if r.ok else "MISMATCH")
        for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in cells
    ]
    lines += [f"note: {r.hint}" for r in rows if r.hint]  # why a mismatch, when seen
    return "\n".join(lines)


@click.command(
    short_help="Draw the graph of EXPR with values and gradients.",
    epilog="\b\nExamples:\n  chainrule render\n"
    "  chainrule render 'relu(w*x + b)' --set w=2 --set x=1 --set b=-0.5 -o neuron.png\n"
    "  chainrule render --highlight θ1 --edge-labels --rankdir TB",
)
@expression_arguments
@diagram_options
@click.option("--edge-labels", is_flag=True, help="Write each edge's local derivative.")
@click.option("--highlight", metavar="NAME", help="Mark the chain-rule paths from this leaf.")
@click.option("--no-grad", is_flag=True, help="Draw before backward: values only.")
def render(
    expr: str | None,
    pairs: tuple[str, ...],
    output: str | None,
    file_format: str | None,
    rankdir: str,
    dpi: float,
    edge_labels: bool,
    highlight: str | None,
    no_grad: bool,
) -> None:
    """Draw the graph of EXPR after backward, with every value and gradient."""
    from chainrule.viz import draw

    path, chosen = output_target(output, file_format)
    root, leaves = expression(expr, pairs)
    leaf = leaf_named(leaves, highlight, "--highlight")
    if not no_grad:
        root.backward()
    note_non_finite(root, leaves, gradients=not no_grad)
    with user_errors():
        diagram = draw(
            root, rankdir=rankdir, show_grad=not no_grad, edge_labels=edge_labels, highlight=leaf
        )
    save_diagram(diagram, path, chosen, dpi)


@click.command(
    short_help="Step through the backward pass of EXPR (HTML page, or GIF).",
    epilog="\b\nExamples:\n  chainrule steps\n"
    "  chainrule steps 'sigmoid(w*x)' --set w=-1 --set x=3 -o sigmoid-steps\n"
    "  chainrule steps --gif backprop.gif --duration 2\n"
    "  chainrule steps --forward -o forward-steps",
)
@expression_arguments
@click.option(
    "-o",
    "--output",
    "outdir",
    default="steps",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for index.html.",
)
@click.option(
    "--gif",
    type=click.Path(dir_okay=False),
    help="Write an animated GIF of the frames to this file instead (for slides).",
)
@click.option(
    "--duration",
    type=click.FloatRange(min=0.05, max=60),
    default=DEFAULT_FRAME_SECONDS,
    show_default=True,
    help="Seconds per GIF frame.",
)
@click.option("--rankdir", type=click.Choice(RANKDIRS), default="LR", show_default=True)
@click.option("--forward", is_flag=True, help="Step through the forward pass, op by op.")
def steps(
    expr: str | None,
    pairs: tuple[str, ...],
    outdir: str,
    gif: str | None,
    duration: float,
    rankdir: str,
    forward: bool,
) -> None:
    """Write the backward (or forward) pass of EXPR as a page to step through, or a GIF."""
    from chainrule.viz.steps import steps as backward_steps

    target = outdir if gif is None else gif
    if gif is not None and not gif.lower().endswith(".gif"):
        raise click.UsageError(one_line(f"--gif {gif!r}: the file name must end in .gif"))
    require_folder(target)  # the folder itself is created, but not missing parents
    root, leaves = expression(expr, pairs)
    note_non_finite(root, leaves, gradients=False)
    with user_errors():
        frames = backward_steps(
            root, rankdir=rankdir, direction="forward" if forward else "backward"
        )
    with user_errors(), failures(f"cannot write {target}"):
        written = frames.render(target, duration=duration)
    click.echo(f"{'open' if gif is None else 'wrote'} {written.resolve()}")


@click.command(
    short_help="Check EXPR's gradients against finite differences.",
    epilog="\b\nExamples:\n  chainrule gradcheck\n"
    "  chainrule gradcheck 'log(sigmoid(a*b))' --set a=0.3 --set b=-2",
)
@expression_arguments
@click.option(
    "--eps", type=FiniteFloat(0), default=1e-6, show_default=True, help="Finite-difference step."
)
@click.option(
    "--atol", type=FiniteFloat(0), default=1e-5, show_default=True, help="Absolute tolerance."
)
@click.option(
    "--rtol", type=FiniteFloat(0), default=1e-3, show_default=True, help="Relative tolerance."
)
def gradcheck(
    expr: str | None, pairs: tuple[str, ...], eps: float, atol: float, rtol: float
) -> None:
    """Compare backward's gradient of EXPR with central differences, leaf by leaf.

    Exit status 1 when any leaf's gradients disagree.
    """
    if eps == 0:
        raise click.UsageError("--eps must be positive")
    root, leaves = expression(expr, pairs)
    text, _ = expression_values(expr, pairs)
    # f rebuilds EXPR on the same leaf Values, so gradcheck can shift them one at a time.
    rows = gradcheck_report(
        lambda *values: parse(text, **dict(zip(leaves, values)))[0],
        list(leaves.values()),
        eps=eps,
        atol=atol,
        rtol=rtol,
    )
    click.echo(gradient_table(rows))
    bad = [str(row.label) for row in rows if not row.ok]
    if bad:
        value = float(root.data)
        why = "" if math.isfinite(value) else f": the expression is {value} at these values"
        raise click.ClickException(f"gradient mismatch for {', '.join(bad)}{why}")


@click.command(
    short_help="Tell the backward pass of EXPR as text.",
    epilog="\b\nExamples:\n  chainrule explain\n  chainrule explain --wrt θ2\n"
    "  chainrule explain 'x*x + x' --set x=3 --wrt x",
)
@expression_arguments
@click.option("--wrt", metavar="NAME", help="Also write ∂L/∂NAME path by path.")
def explain(expr: str | None, pairs: tuple[str, ...], wrt: str | None) -> None:
    """Tell the forward pass, the backward pass and the chain rule of EXPR as text."""
    from chainrule.viz import explain as explain_text

    root, leaves = expression(expr, pairs)
    leaf = leaf_named(leaves, wrt, "--wrt")
    with user_errors():
        text = explain_text(root, wrt=leaf)
    click.echo(text)
    note_non_finite(root, leaves, gradients=False)


# ---------------------------------------------------------------------------------- grad
MAX_ORDER = 10


@click.command(
    "grad",
    short_help="Print the N-th derivative of EXPR; -o draws its graph.",
    epilog="\b\nExamples:\n  chainrule grad --wrt θ1 --order 2      # ∂²L/∂θ1² = 18\n"
    "  chainrule grad 'tanh(x)' --set x=0.5 --wrt x --order 3\n"
    "  chainrule grad --wrt θ1 -o dL_dtheta1.svg  # the backward pass as a graph",
)
@expression_arguments
@click.option("--wrt", required=True, metavar="NAME", help="The leaf to differentiate by.")
@click.option(
    "--order",
    type=int,
    default=1,
    show_default=True,
    metavar="N",
    help=f"Which derivative: 1 (the gradient) to {MAX_ORDER}.",
)
@diagram_options
def grad_command(
    expr: str | None,
    pairs: tuple[str, ...],
    wrt: str,
    order: int,
    output: str | None,
    file_format: str | None,
    rankdir: str,
    dpi: float,
) -> None:
    """Print the N-th derivative of EXPR by NAME, each taken from the graph of the one before.

    With -o (or --format), also draw that derivative's own graph: the computation that
    backpropagation recorded for it (create_graph=True).
    """
    if not 1 <= order <= MAX_ORDER:
        raise click.UsageError(f"--order must be from 1 to {MAX_ORDER}, got {order}")
    draw_it = output is not None or file_format is not None
    target = output_target(output, file_format) if draw_it else None
    root, leaves = expression(expr, pairs)
    leaf = leaf_named(leaves, wrt, "--wrt")
    root.label = root.label or "L"
    with user_errors():
        result = derivative(root, leaf, order)
    name = root.label
    for _ in range(order):
        name = derivative_name(name, wrt)
    click.echo(f"{name} = {result.data:.10g}")
    if target is None:
        return
    if not result.children:
        raise click.ClickException(
            f"{name} is the constant {result.data:g}: it has no graph to draw"
        )
    from chainrule.viz import draw

    result.label = name
    with user_errors():
        diagram = draw(result, rankdir=rankdir)
    save_diagram(diagram, *target, dpi)
