"""The command line offers exactly what the library has: its choices are read from the
library's registries, never copied."""

from __future__ import annotations

import click
import pytest

from chainrule.cli import cli
from chainrule.nn import activations, data, losses, optim
from chainrule.viz import diagram


def choices(command: str, option: str) -> list[str]:
    params = {p.name: p for p in cli.commands[command].params}
    kind = params[option].type
    assert isinstance(kind, click.Choice)
    return list(kind.choices)


def test_train_offers_the_registries_of_nn():
    hidden = [n for n in activations.ACTIVATIONS if n not in activations.LAYER_ACTIVATIONS]
    assert choices("train", "activation") == hidden
    assert choices("train", "loss") == list(losses.LOSSES)
    assert choices("train", "dataset") == list(data.DATASETS)
    assert choices("train", "optimizer")[: len(optim.OPTIMIZERS)] == list(optim.OPTIMIZERS)


@pytest.mark.parametrize("command", ["render", "graph"])
def test_pictures_offer_the_formats_of_viz(command):
    assert choices(command, "file_format") == list(diagram.FORMATS)
    assert set(diagram.FORMATS) == set(diagram.SUFFIX_FORMATS.values())


def test_every_loss_says_what_it_compares():
    assert set(losses.TASKS) == set(losses.LOSSES)
    assert set(losses.TASKS.values()) == {"regression", "binary", "classes"}
    assert losses.PROBABILITY_LOSSES <= set(losses.LOSSES)


@pytest.mark.parametrize("optimizer", choices("train", "optimizer"))
def test_every_optimizer_choice_trains(run, optimizer):
    result = run("train", "--samples", "20", "--epochs", "2", "--hidden", "3", "--optimizer",
                 optimizer)  # fmt: skip
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("loss", list(losses.LOSSES))
def test_every_loss_choice_trains_on_a_set_it_fits(run, loss):
    dataset = {"regression": "regression", "binary": "moons", "classes": "blobs"}
    arguments = ["--samples", "30", "--epochs", "2", "--hidden", "3", "--loss", loss]
    result = run("train", "--dataset", dataset[losses.TASKS[loss]], *arguments)
    assert result.exit_code == 0, result.output
