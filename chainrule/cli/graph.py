"""``chainrule graph``: draw one forward and backward pass of a saved model on one input."""

from __future__ import annotations

from typing import Any

import click

from chainrule import nn
from chainrule.cli.errors import FiniteFloat, failure, number_list, one_line, user_errors
from chainrule.cli.options import diagram_options, output_target, save_diagram
from chainrule.nn import memory
from chainrule.viz.scene import COLLAPSE_MODES


def load_scalar(path: str) -> Any:
    """A saved model as a scalar MLP (a batched one is converted), to draw its graph.

    Raises:
        click.ClickException: when the file cannot be read or is not a chainrule model.
    """
    try:
        model: Any = nn.load(path)
    except OSError as error:
        raise failure(error, f"cannot load {path}") from None
    except ValueError as error:  # its message begins with the file's name
        raise click.ClickException(one_line(f"cannot load {error}")) from None
    if not getattr(model, "batched", False):
        return model
    sizes = " → ".join(str(n) for n in [model.nin, *model.nouts])
    with user_errors():  # its graph of Values, before a conversion that could not finish
        needed = memory.mlp_bytes(model.nin, model.nouts, batched=False)
        memory.check_fits(
            needed, f"the graph of an MLP {sizes}", "draw a smaller model (train with --hidden)"
        )
    return model.to_scalar()


def _outputs(outputs: list[Any]) -> str:
    count = len(outputs)
    return f"the model has {count} output" + ("" if count == 1 else "s")


def forward_backward(
    model: Any,
    sample: list[float],
    index: int,
    *,
    target: float | None = None,
    loss: str | None = None,
) -> Any:
    """Run `model` on one sample (nn labels the inputs x0, x1, … like the weights w₀, w₁, …),
    take the loss against `target` if one is given, and run backward from it (or from the
    output at `index`)."""
    nin = getattr(model, "nin", None)
    if nin is not None and len(sample) != nin:
        raise click.UsageError(f"--input: the model takes {nin} numbers, got {len(sample)}")
    if loss is not None and target is None:
        raise click.UsageError("--loss needs --target: the value the output should have")
    with user_errors():
        out = model(sample)
    outputs = out if isinstance(out, list) else [out]
    if index >= len(outputs):
        raise click.UsageError(f"--output-index {index}: {_outputs(outputs)}")
    root = outputs[index]
    if target is not None:
        name = loss or "mse"
        if name == "cross_entropy":
            if len(outputs) < 2:
                raise click.UsageError(
                    "--loss cross_entropy needs a model with a score per class; "
                    + _outputs(outputs)
                )
            if not float(target).is_integer() or not 0 <= target < len(outputs):
                raise click.UsageError(
                    f"--target: cross_entropy takes a class from 0 to {len(outputs) - 1}, "
                    f"got {target:g}"
                )
            predictions: Any = outputs
            goal: Any = int(target)
        else:
            predictions, goal = root, target
        try:
            root = nn.get_loss(name)(predictions, goal)
        except (ValueError, TypeError) as error:
            raise click.UsageError(
                one_line(f"--loss {name} --target {target:g}: {error}")
            ) from None
    root.backward()
    return root


def find_parameter(model: Any, name: str) -> Any:
    """The parameter `name` (``layers.0.neurons.1.w.0``) of `model`, for ``--highlight``."""
    parameters = dict(model.named_parameters())
    if name not in parameters:
        example = next(iter(parameters), "")
        raise click.UsageError(
            one_line(
                f"--highlight: the model has no parameter {name!r} (names look like {example!r})"
            )
        )
    return parameters[name]


@click.command(
    short_help="Draw a saved model's forward and backward pass.",
    epilog="\b\nExamples:\n  chainrule train --hidden 4 -o model.json\n"
    "  chainrule graph model.json --input 0.5,-0.2\n"
    "  chainrule graph model.json --input 0.5,-0.2 --target 1 --loss bce_with_logits\n"
    "  chainrule graph model.json --input 0.5,-0.2 --collapse neuron -o model.png\n"
    "  chainrule graph model.json --input 0.5,-0.2 --collapse neuron "
    "--highlight layers.0.neurons.1.w.0",
)
@click.argument("model_file", metavar="MODEL.json", type=click.Path(dir_okay=False))
@click.option("--input", "inputs", required=True, metavar="X0,X1,...", help="One sample.")
@click.option(
    "--target",
    type=FiniteFloat(),
    help="The output's target: draw the loss of the sample (a class index for cross_entropy).",
)
@click.option(
    "--loss",
    type=click.Choice(list(nn.losses.LOSSES)),
    help="The loss against --target (default: mse).",
)
@click.option(
    "--highlight",
    metavar="PARAM",
    help="A parameter (layers.0.neurons.1.w.0): mark its chain-rule paths to the output.",
)
@click.option("--edge-labels", is_flag=True, help="Write each edge's local derivative or weight.")
@click.option(
    "--collapse",
    type=click.Choice([*(mode for mode in COLLAPSE_MODES if mode), "none"]),
    default="none",
    show_default=True,
    help="Draw each neuron (or each layer) as one node.",
)
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
    target: float | None,
    loss: str | None,
    highlight: str | None,
    edge_labels: bool,
    collapse: str,
    output_index: int,
    output: str | None,
    file_format: str | None,
    rankdir: str,
    dpi: float,
) -> None:
    """Draw one forward and backward pass of a saved model on one input."""
    from chainrule.viz import draw
    from chainrule.viz.dot import TooManyNodes

    path, chosen = output_target(output, file_format)
    sample = number_list(inputs, "--input")
    model = load_scalar(model_file)
    leaf = find_parameter(model, highlight) if highlight is not None else None
    root = forward_backward(model, sample, output_index, target=target, loss=loss)
    with user_errors():
        try:
            diagram = draw(
                root,
                rankdir=rankdir,
                collapse=None if collapse == "none" else collapse,
                edge_labels=edge_labels,
                highlight=leaf,
            )
        except TooManyNodes as error:  # its own hint names Python arguments
            hint = ": use --collapse neuron or --collapse layer" if collapse != "layer" else ""
            raise click.UsageError(
                f"the graph has {error.count} nodes to draw, more than {error.limit}{hint}"
            ) from None
    save_diagram(diagram, path, chosen, dpi)
