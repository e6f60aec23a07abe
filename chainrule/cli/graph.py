"""``chainrule graph``: draw one forward and backward pass of a saved model on one input."""

from __future__ import annotations

from typing import Any

import click

from chainrule import nn
from chainrule.cli.errors import failure, number_list, user_errors
from chainrule.cli.options import diagram_options, output_target, save_diagram


def load_scalar(path: str) -> Any:
    """A saved model as a scalar MLP (a batched one is converted), to draw its graph.

    Raises:
        click.ClickException: when the file cannot be read or is not a chainrule model.
    """
    try:
        model: Any = nn.load(path)
    except (OSError, ValueError) as error:
        raise failure(error, f"cannot load {path}") from None
    return model.to_scalar() if getattr(model, "batched", False) else model


def forward_backward(model: Any, sample: list[float], index: int) -> Any:
    """Run `model` on one sample (nn labels the inputs x0, x1, … like the weights w₀, w₁, …)
    and backward from one output."""
    nin = getattr(model, "nin", None)
    if nin is not None and len(sample) != nin:
        raise click.UsageError(f"--input: the model takes {nin} numbers, got {len(sample)}")
    with user_errors():
        out = model(sample)
    outputs = out if isinstance(out, list) else [out]
    if index >= len(outputs):
        raise click.UsageError(f"--output-index {index}: the model has {len(outputs)} outputs")
    outputs[index].backward()
    return outputs[index]


@click.command(
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
    dpi: float,
) -> None:
    """Draw one forward and backward pass of a saved model on one input."""
    from chainrule.viz import draw

    path, chosen = output_target(output, file_format)
    sample = number_list(inputs, "--input")
    model = load_scalar(model_file)
    root = forward_backward(model, sample, output_index)
    with user_errors():
        diagram = draw(root, rankdir=rankdir, collapse=collapse)
    save_diagram(diagram, path, chosen, dpi)
