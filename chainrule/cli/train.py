"""What ``chainrule train`` needs around `chainrule.nn.fit`: options, a progress bar, saving.

`train_options` declares the command's options; `prepare` turns them into a data set, a model
and an optimizer (refusing combinations that cannot work, such as a two-class loss on three
classes); `run` trains with a click progress bar and stops cleanly on Ctrl-C; `save_results`
writes the model and plots; `load_scalar` and `forward_backward` serve ``chainrule graph``.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import numpy as np

from chainrule import nn
from chainrule.cli.errors import (
    FiniteFloat,
    failures,
    one_line,
    size_list,
    user_errors,
)
from chainrule.cli.options import require_writable_folder
from chainrule.nn import activations, batched, losses, memory, optim
from chainrule.nn import train as training
from chainrule.nn.activations import LAYER_ACTIVATIONS
from chainrule.nn.data import DATASETS
from chainrule.viz import plots  # matplotlib itself is imported only when plotting

#: Hidden-layer activations: nn's, less those that act on a whole layer (softmax).
ACTIVATIONS = [name for name in activations.ACTIVATIONS if name not in LAYER_ACTIVATIONS]
#: The command's optimizer presets, beside nn's optimizers: name → (optimizer, its options).
PRESETS: dict[str, tuple[str, dict[str, Any]]] = {"momentum": ("sgd", {"momentum": 0.9})}
OPTIMIZERS = [*optim.OPTIMIZERS, *PRESETS]
#: Noise for the data sets whose own default is none (a little makes the task less trivial).
NOISE = {"moons": 0.1, "circles": 0.05}
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05}  # else 0.01


def train_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the options of ``chainrule train`` (data set, model, optimizer, outputs)."""
    options = [
        click.option(
            "--dataset", type=click.Choice(list(DATASETS)), default="moons", show_default=True
        ),
        click.option("--samples", type=click.IntRange(1, 100_000), default=200, show_default=True),
        click.option(
            "--hidden",
            default="16,16",
            show_default=True,
            help="Hidden layer sizes, comma-separated ('' for none: a linear model).",
        ),
        click.option(
            "--activation", type=click.Choice(ACTIVATIONS), default="relu", show_default=True
        ),
        click.option(
            "--loss",
            type=click.Choice(list(losses.LOSSES)),
            help="Default: hinge for two classes, cross_entropy for more, mse for regression.",
        ),
        click.option(
            "--optimizer", type=click.Choice(OPTIMIZERS), default="adam", show_default=True
        ),
        click.option(
            "--lr", type=FiniteFloat(0), help="Learning rate (0.01; sgd 0.1, momentum 0.05)."
        ),
        click.option("--epochs", type=click.IntRange(0, 1_000_000), default=100, show_default=True),
        click.option(
            "--batch-size", type=click.IntRange(1), help="Samples per step (default: all)."
        ),
        click.option(
            "--batched/--scalar",
            default=True,
            show_default=True,
            help="Batched: NumPy Tensors, so the default run takes well under a second. Scalar: "
            "one graph of Values per sample, as in the lecture (a few hundred times slower).",
        ),
        click.option("--seed", type=int, default=0, show_default=True),
        click.option(
            "-o", "--output", type=click.Path(dir_okay=False), help="Save the model as JSON."
        ),
        click.option(
            "--plot",
            type=click.Path(dir_okay=False),
            help="Plot the loss (and, for 2-D classes, the decision boundary) to FILE.png.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@dataclass
class Setup:
    """Everything one training run needs."""

    dataset: str
    X: np.ndarray
    y: np.ndarray
    model: Any
    optimizer: Any
    loss: str
    classes: int  # 0 for regression


def prepare(
    dataset: str,
    samples: int,
    hidden: list[int],
    activation: str,
    loss: str | None,
    optimizer: str,
    lr: float | None,
    use_batched: bool,
    seed: int,
    batch_size: int | None = None,
) -> Setup:
    """The data set, model and optimizer for the options (a usage error if they clash)."""
    make = DATASETS[dataset]
    noise = {"noise": NOISE[dataset]} if dataset in NOISE else {}
    with user_errors():
        X, y = make(samples, seed=seed, **noise)
    classes = 0 if dataset == "regression" else len(np.unique(y))
    if classes == 1:
        raise click.UsageError(f"--samples {samples}: too few for two classes of {dataset}")
    loss = loss or ("mse" if not classes else "hinge" if classes == 2 else "cross_entropy")
    outputs, output_activation = _output_layer(loss, classes, dataset)
    check_memory(X.shape[1], [*hidden, outputs], use_batched, batch_size or len(X))
    kind = batched.MLP if use_batched else nn.MLP
    with user_errors():
        model = kind(X.shape[1], [*hidden, outputs], activation, output_activation, seed=seed)
        chosen = _optimizer(optimizer, model.parameters(), lr)
    return Setup(dataset, X, y, model, chosen, loss, classes)


def check_memory(nin: int, nouts: list[int], use_batched: bool, samples: int) -> None:
    """Refuse, before anything is built, a model and batch the memory cannot hold."""
    path = "batched" if use_batched else "scalar"
    sizes = " → ".join(str(n) for n in [nin, *nouts])
    advice = "use smaller --hidden layers or a smaller --batch-size" + (
        "" if use_batched else ", or drop --scalar (the batched path takes far less)"
    )
    with user_errors():
        needed = memory.mlp_bytes(nin, nouts, batched=use_batched, samples=samples)
        memory.check_fits(needed, f"training a {path} MLP {sizes} on {samples} samples", advice)


def _output_layer(loss: str, classes: int, dataset: str) -> tuple[int, str | None]:
    """Output size and activation the loss needs: one score, or one logit per class."""
    task = losses.TASKS[loss]
    if task == "regression":
        return 1, None
    if not classes:
        raise click.UsageError(f"--loss {loss} needs class labels; {dataset} is a regression set")
    if task == "classes":
        return classes, None
    if classes != 2:
        raise click.UsageError(
            f"--loss {loss} needs two classes; {dataset} has {classes} (use cross_entropy)"
        )
    return 1, "sigmoid" if loss in losses.PROBABILITY_LOSSES else None


def _optimizer(name: str, parameters: list[Any], lr: float | None) -> Any:
    rate = DEFAULT_LR.get(name, 0.01) if lr is None else lr
    base, options = PRESETS.get(name, (name, {}))
    return optim.OPTIMIZERS[base](parameters, lr=rate, **options)


def check_outputs(output: str | None, plot: str | None) -> None:
    """Refuse before training what would fail after it: an unwritable folder, no matplotlib."""
    for path in (output, plot):
        if path is not None:
            require_writable_folder(path)
    if plot is not None:
        if Path(plot).suffix.lower().lstrip(".") not in plots.FORMATS:
            *others, last = (f".{name}" for name in plots.FORMATS)
            suffixes = f"{', '.join(others)} or {last}"
            raise click.UsageError(one_line(f"--plot {plot!r}: use a {suffixes} file"))
        if importlib.util.find_spec("matplotlib") is None:
            raise click.ClickException("--plot needs matplotlib: pip install 'chainrule[plot]'")


def describe(record: Any) -> str:
    """One epoch as the progress bar shows it: loss, and accuracy or R²."""
    if record is None:
        return ""
    text = f"loss {record.loss:.4g}"
    if record.accuracy is not None:
        text += f"  accuracy {record.accuracy:.1%}"
    if record.r2 is not None:
        text += f"  R² {record.r2:.4g}"  # 0.9761, or -7.05e+233 when training diverged
    return text


def run(setup: Setup, epochs: int, batch_size: int | None, seed: int) -> tuple[Any, float]:
    """Train with a progress bar; return the history (``interrupted`` after Ctrl-C) and seconds."""
    start = time.perf_counter()
    with click.progressbar(
        length=epochs, label="training", item_show_func=describe, file=sys.stderr
    ) as bar:

        def advance(record: Any) -> None:
            bar.update(1, record)

        try:
            # A diverging run overflows: it is reported in the summary, not as NumPy's or
            # fit's warnings.
            with user_errors(), np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                history = training.fit(
                    setup.model,
                    setup.X,
                    setup.y,
                    loss=setup.loss,
                    optimizer=setup.optimizer,
                    epochs=epochs,
                    batch_size=batch_size,
                    callback=advance,
                    seed=seed,
                )
        except KeyboardInterrupt as interrupt:
            history = getattr(interrupt, "history", training.History(interrupted=True))
    return history, time.perf_counter() - start


def summary(setup: Setup, history: Any, epochs: int, seconds: float) -> str:
    """The one line printed after training."""
    plural = "" if epochs == 1 else "s"
    done = f"{len(history)} of {epochs} epoch{plural}" if history.interrupted else ""
    done = done or f"{epochs} epoch{plural}"
    done += " (interrupted)" if history.interrupted else ""
    text = f"{setup.dataset}: {setup.model!r}, {setup.loss}, {done} in {seconds:.1f} s"
    if len(history):
        last = history.records[-1]
        text += ": " + describe(last).replace("  ", ", ")
        if training.divergence(history) is not None:
            text += " (training diverged: try a smaller --lr)"
    return text


def save_results(setup: Setup, history: Any, output: str | None, plot: str | None) -> None:
    """Write the model as it was trained (``chainrule graph`` converts a batched one) and the
    plots."""
    if output is not None:
        with failures(f"cannot save {output}"):
            nn.save(setup.model, output)
        click.echo(f"saved the model to {Path(output).resolve()}")
    if plot is not None and len(history):
        with user_errors(), failures(f"cannot write {plot}"):
            written = [plots.plot_history(history, plot, title=f"Training on {setup.dataset}")]
            if setup.classes and setup.X.shape[1] == 2:
                path = Path(plot)
                boundary = path.with_name(f"{path.stem}-boundary{path.suffix}")
                written.append(
                    plots.plot_decision_boundary(setup.model, setup.X, setup.y, boundary)
                )
        for picture in written:
            click.echo(f"wrote {Path(str(picture)).resolve()}")


@click.command(
    "train",
    short_help="Train an MLP on a toy data set.",
    epilog="\b\nExamples:\n  chainrule train\n"
    "  chainrule train --dataset spirals --hidden 32,32 --epochs 300 -o spirals.json --plot s.png\n"
    "  chainrule train --dataset xor --hidden 8 --activation tanh --optimizer sgd --lr 0.3 \\\n"
    "      --samples 50 --scalar",
)
@train_options
def train_command(
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
    check_outputs(output, plot)
    sizes = size_list(hidden, "--hidden") if hidden.strip() else []
    setup = prepare(
        dataset, samples, sizes, activation, loss, optimizer, lr, batched, seed, batch_size
    )
    history, seconds = run(setup, epochs, batch_size, seed)
    click.echo(summary(setup, history, epochs, seconds))
    save_results(setup, history, output, plot)
    if history.interrupted:
        click.get_current_context().exit(130)
