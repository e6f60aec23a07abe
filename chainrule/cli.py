"""The ``chainrule`` command: draw, step through, explain and check the chain rule; train MLPs.

Each command parses its options, calls one library function and prints or saves the result;
the shared option and error handling lives in `chainrule.cli_support`.
"""

from __future__ import annotations

import click

from chainrule import __version__, cli_train
from chainrule.cli_expression import (
    expression,
    expression_arguments,
    expression_values,
    gradient_table,
    leaf_named,
)
from chainrule.cli_support import (
    ChainruleGroup,
    FiniteFloat,
    diagram_options,
    failures,
    number_list,
    output_target,
    require_folder,
    save_diagram,
    size_list,
    user_errors,
)
from chainrule.engine.expr import parse
from chainrule.engine.gradcheck import gradcheck_report

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=ChainruleGroup, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="chainrule")
def cli() -> None:
    """Draw the chain rule: computational graphs with every value and gradient.

    EXPR is arithmetic such as '(θ1*θ2*x - y)**2' with + - * / ** and the functions abs,
    exp, log, sqrt, relu, leaky_relu, sigmoid, tanh, gelu; give each name a value with
    --set name=value. Without EXPR, commands use the lecture example (θ1*θ2*x - y)**2 at
    θ1=0.5, θ2=-1.5, x=2, y=1, where ∂L/∂θ1 = 15. An EXPR that starts with '-' goes
    last, after '--': chainrule explain --set x=1 -- '-x*2'.

    \b
    Examples:
      chainrule render                          # the lecture example → graph.svg
      chainrule explain 'tanh(w*x + b)' --set w=0.5 --set x=2 --set b=-1
      chainrule train --dataset moons --epochs 50 -o model.json
    """


def main() -> None:
    """Entry point of the ``chainrule`` console script and of ``python -m chainrule``."""
    cli(prog_name="chainrule")


@cli.command(
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
    with user_errors():
        diagram = draw(
            root, rankdir=rankdir, show_grad=not no_grad, edge_labels=edge_labels, highlight=leaf
        )
    save_diagram(diagram, path, chosen)


@cli.command(
    short_help="Step through the backward pass of EXPR (HTML page).",
    epilog="\b\nExamples:\n  chainrule steps\n"
    "  chainrule steps 'sigmoid(w*x)' --set w=-1 --set x=3 -o sigmoid-steps",
)
@expression_arguments
@click.option(
    "-o",
    "--output",
    "outdir",
    default="steps",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the frames and index.html.",
)
@click.option("--rankdir", type=click.Choice(["LR", "TB"]), default="LR", show_default=True)
def steps(expr: str | None, pairs: tuple[str, ...], outdir: str, rankdir: str) -> None:
    """Write the backward pass of EXPR as frames and a page to step through (index.html)."""
    from chainrule.viz.steps import steps as backward_steps

    require_folder(outdir)  # the folder itself is created, but not missing parents
    root, _ = expression(expr, pairs)
    with user_errors():
        frames = backward_steps(root, rankdir=rankdir)
    with user_errors(), failures(f"cannot write {outdir}"):
        index = frames.render(outdir)
    click.echo(f"open {index.resolve()}")


@cli.command(
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
    _, leaves = expression(expr, pairs)
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
        raise click.ClickException(f"gradient mismatch for {', '.join(bad)}")


@cli.command(
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


@cli.command(
    short_help="Train an MLP on a toy data set.",
    epilog="\b\nExamples:\n  chainrule train\n"
    "  chainrule train --dataset spirals --hidden 32,32 --epochs 300 -o spirals.json --plot s.png\n"
    "  chainrule train --dataset xor --hidden 8 --activation tanh --optimizer sgd --lr 0.3 \\\n"
    "      --samples 50 --scalar",
)
@cli_train.train_options
def train(
    dataset: str,
    samples: int,
    hidden: str,
    activation: str,
    loss: str | None,
    optimizer: str,
    lr: float | None,
    epochs: int,
    batch_size: int | None,
    batched: bool,
    seed: int,
    output: str | None,
    plot: str | None,
) -> None:
    """Train an MLP on a toy data set, with a progress bar and a one-line summary.

    Ctrl-C stops training cleanly: the model trained so far is still saved with -o, and
    the exit status is 130.
    """
    cli_train.check_outputs(output, plot)
    sizes = size_list(hidden, "--hidden") if hidden.strip() else []
    setup = cli_train.prepare(
        dataset, samples, sizes, activation, loss, optimizer, lr, batched, seed
    )
    history, seconds = cli_train.run(setup, epochs, batch_size, seed)
    click.echo(cli_train.summary(setup, history, epochs, seconds))
    cli_train.save_results(setup, history, output, plot)
    if history.interrupted:
        click.get_current_context().exit(130)


@cli.command(
    short_help="Draw a saved model's forward and backward pass.",
    epilog="\b\nExamples:\n  chainrule train --hidden 4 -o model.json\n"
    "  chainrule graph model.json --input 0.5,-0.2\n"
    "  chainrule graph model.json --input 0.5,-0.2 --collapse neuron -o model.png",
)
@click.argument("model_file", metavar="MODEL.json", type=click.Path(dir_okay=False))
@click.option("--input", "inputs", required=True, metavar="X0,X1,...", help="One sample.")
@click.option("--collapse", type=click.Choice(["neuron"]), help="Draw each neuron as one node.")
@click.option(
    "--output-index",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Which output to differentiate when the model has several.",
)
@diagram_options
def graph(
    model_file: str,
    inputs: str,
    collapse: str | None,
    output_index: int,
    output: str | None,
    file_format: str | None,
    rankdir: str,
) -> None:
    """Draw one forward and backward pass of a saved model on one input."""
    from chainrule.viz import draw

    path, chosen = output_target(output, file_format)
    sample = number_list(inputs, "--input")
    model = cli_train.load_scalar(model_file)
    root = cli_train.forward_backward(model, sample, output_index)
    with user_errors():
        diagram = draw(root, rankdir=rankdir, collapse=collapse)
    save_diagram(diagram, path, chosen)
