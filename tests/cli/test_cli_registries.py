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


def test_plot_formats_come_from_viz(run, user_error):
    from chainrule.viz import plots

    line = user_error(run("train", "--epochs", "1", "--plot", "loss.jpg"), 2)
    assert all(f".{name}" in line for name in plots.FORMATS)


def test_the_library_refuses_a_plot_format_it_cannot_tell(tmp_path):
    pytest.importorskip("matplotlib")
    from chainrule.viz import plot_history

    with pytest.raises(
        ValueError, match=r"image format of 'loss.txt': use a .png, .svg or .pdf suffix"
    ):
        plot_history([1.0, 0.5], tmp_path / "loss.txt")
    assert list(tmp_path.iterdir()) == []


def test_the_command_line_imports_no_matplotlib():
    import subprocess
    import sys

    code = "import sys, chainrule.cli; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


@pytest.mark.parametrize("command", ["render", "graph", "steps"])
def test_layout_directions_come_from_viz(command):
    from chainrule.viz.dot import RANKDIRS

    assert choices(command, "rankdir") == list(RANKDIRS)


def test_collapse_modes_come_from_viz():
    from chainrule.viz.scene import COLLAPSE_MODES

    assert choices("graph", "collapse") == [*(m for m in COLLAPSE_MODES if m), "none"]


def test_a_reversed_layout_draws(run, workdir):
    assert run("render", "--rankdir", "BT", "-o", "g.gv").exit_code == 0
    assert "rankdir=BT" in (workdir / "g.gv").read_text()
