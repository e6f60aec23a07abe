"""train and graph: a short training run, Ctrl-C, saving, and drawing a saved model."""

from __future__ import annotations

import warnings

import pytest

from chainrule import nn
from chainrule.nn import train as training

TINY = ["--samples", "24", "--epochs", "3", "--hidden", "4"]


def test_train_prints_one_summary_line(run):
    result = run("train", *TINY)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("moons: batched.MLP(2 → 4 relu → 1), hinge, 3 epochs")
    assert "accuracy" in lines[0]


@pytest.mark.parametrize("path, kind", [("--batched", nn.batched.MLP), ("--scalar", nn.MLP)])
def test_train_saves_a_model_that_loads(run, workdir, path, kind):
    result = run("train", *TINY, path, "-o", "model.json")
    assert result.exit_code == 0, result.output
    model = nn.load(workdir / "model.json")
    assert type(model) is kind and model.nouts == [4, 1]  # saved as trained
    assert str(workdir / "model.json") in result.stdout


def test_scalar_and_batched_training_agree(run, workdir):
    run("train", *TINY, "--scalar", "-o", "scalar.json")
    run("train", *TINY, "--batched", "-o", "batched.json")
    scalar, batched = nn.load(workdir / "scalar.json"), nn.load(workdir / "batched.json")
    assert len(scalar.parameters()) == len(batched.to_scalar().parameters()) == 17
    for a, b in zip(scalar.parameters(), batched.to_scalar().parameters()):
        assert a.data == pytest.approx(b.data, rel=1e-7, abs=1e-8)


@pytest.mark.parametrize(
    ("dataset", "loss", "expected"),
    [
        ("blobs", None, "cross_entropy"),
        ("regression", None, "R²"),
        ("xor", "bce", "accuracy"),
        ("circles", "mse", "accuracy"),
    ],
)
def test_train_data_sets_and_losses(run, dataset, loss, expected):
    options = ["--dataset", dataset, *TINY] + (["--loss", loss] if loss else [])
    result = run("train", *options, "--optimizer", "momentum")
    assert result.exit_code == 0, result.output
    assert expected in result.stdout


def test_ctrl_c_stops_and_saves_what_was_trained(run, workdir, monkeypatch):
    real_fit = training.fit

    def interrupted_fit(*args, callback, **kwargs):
        def stop_at_epoch_2(record):
            callback(record)
            if record.epoch == 2:
                raise KeyboardInterrupt

        return real_fit(*args, callback=stop_at_epoch_2, **kwargs)

    monkeypatch.setattr(training, "fit", interrupted_fit)
    result = run("train", "--samples", "24", "--epochs", "10", "--hidden", "4", "-o", "m.json")
    assert result.exit_code == 130
    assert "2 of 10 epochs (interrupted)" in result.stdout
    assert "Traceback" not in result.output
    assert nn.load(workdir / "m.json").nouts == [4, 1]


def test_plot_writes_the_loss_curve_and_the_boundary(run, workdir):
    pytest.importorskip("matplotlib")  # the plot extra is optional
    result = run("train", *TINY, "--plot", "curve.png")
    assert result.exit_code == 0, result.output
    for name in ("curve.png", "curve-boundary.png"):
        assert (workdir / name).read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("arguments", "status", "fragments"),
    [
        (["--hidden", "4,a"], 2, ["--hidden", "'a'"]),
        (["--hidden", "0"], 2, ["--hidden"]),
        (["--dataset", "blobs", "--loss", "hinge"], 2, ["two classes", "blobs has 3"]),
        (["--dataset", "regression", "--loss", "cross_entropy"], 2, ["class labels"]),
        (["--epochs", "-1"], 2, ["--epochs"]),
        (["--lr", "nan"], 2, ["--lr"]),
        (["--plot", "curve.txt"], 2, [".png"]),
        (["--samples", "1"], 2, ["--samples 1", "too few for two classes"]),
        (["-o", "missing/m.json"], 1, ["no folder", "missing/m.json"]),
    ],
)
def test_train_errors(run, user_error, workdir, arguments, status, fragments):
    result = run("train", *TINY, *arguments)
    user_error(result, status, *fragments)
    assert "training" not in result.output  # refused before any training
    assert list(workdir.iterdir()) == []


def test_a_diverging_run_is_told_in_the_summary_not_in_numpy_warnings(run):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning would reach the user's terminal
        result = run("train", *TINY, "--lr", "1e300")
    assert result.exit_code == 0, result.output
    assert "try a smaller --lr" in result.stdout, result.stdout


def test_an_epoch_is_singular_and_a_huge_r2_stays_short(run):
    result = run("train", "--dataset", "regression", *TINY, "--epochs", "1")
    assert "mse, 1 epoch in" in result.stdout
    result = run("train", "--dataset", "regression", *TINY, "--optimizer", "sgd", "--lr", "1e5")
    r2 = result.stdout.split("R² ")[1].split()[0]
    assert len(r2) < 12 and float(r2) < -1e6, result.stdout


@pytest.mark.parametrize(("option", "name"), [("-o", "m.json"), ("--plot", "curve.png")])
def test_train_refuses_an_unwritable_folder_before_training(
    run, user_error, unwritable_folder, option, name
):
    target = unwritable_folder / name
    result = run("train", *TINY, option, str(target))
    line = user_error(result, 1, f"cannot write {target}: ")
    assert "training" not in result.output  # refused before the work, not after it
    assert ".tmp" not in line
    assert not target.exists()


@pytest.fixture
def model_file(run, workdir):
    assert run("train", *TINY, "-o", "model.json").exit_code == 0
    return "model.json"


def test_graph_draws_a_saved_model(run, workdir, model_file):
    result = run("graph", model_file, "--input", "0.5,-0.2", "-o", "model.gv")
    assert result.exit_code == 0, result.output
    source = (workdir / "model.gv").read_text()
    # inputs are named as nn names them, x0 and x1, matching the weights w₀ and w₁
    assert "x0" in source and "x1" in source and "x2" not in source and "grad 1" in source


def test_graph_collapse_neuron_draws_layers(run, workdir, model_file):
    result = run("graph", model_file, "--input", "0.5,-0.2", "--collapse", "neuron")
    assert result.exit_code == 0, result.output
    assert "neuron 3" in (workdir / "graph.svg").read_text()


def test_graph_draws_the_loss_highlight_and_weight_gradients(run, workdir, model_file):
    result = run(
        "graph", model_file, "--input", "0.5,-0.2", "--target", "1", "--loss", "bce_with_logits",
        "--collapse", "neuron", "--highlight", "layers.0.neurons.1.w.0", "--edge-labels",
        "-o", "m.gv",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    source = (workdir / "m.gv").read_text()
    assert "Chain rule for w₀[0.1] (layers.0.neurons.1.w.0)" in source
    assert "exp" in source and "log" in source  # the loss is drawn after the output
    assert "<BR/>grad " in source  # --edge-labels: each weight edge carries its value and grad
    layer = run("graph", model_file, "--input", "0.5,-0.2", "--collapse", "layer", "-o", "l.gv")
    assert layer.exit_code == 0 and "<B>layer 1</B>" in (workdir / "l.gv").read_text()


def test_graph_too_big_names_the_collapse_flag(run, user_error, workdir):
    run("train", "--hidden", "64,64", "--epochs", "1", "-o", "big.json")
    line = user_error(run("graph", "big.json", "--input", "0.5,-0.2"), 2, "--collapse neuron")
    assert "collapse=" not in line and "max_nodes" not in line


def test_graph_of_a_model_with_several_outputs(run, workdir):
    run("train", "--dataset", "blobs", *TINY, "-o", "blobs.json")
    result = run("graph", "blobs.json", "--input", "1,2", "--output-index", "2", "-o", "b.gv")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("arguments", "status", "fragments"),
    [
        (["--input", "0.5"], 2, ["takes 2 numbers, got 1"]),
        (["--input", "0.5,x"], 2, ["--input", "'x'"]),
        (["--input", "0.5,inf"], 2, ["finite"]),
        (["--input", "1,2", "--output-index", "1"], 2, ["the model has 1 output"]),
        (
            ["--input", "1,2", "--target", "0", "--loss", "cross_entropy"],
            2,
            ["cross_entropy needs a model with a score per class; the model has 1 output"],
        ),
        (["--input", "1,2", "--collapse", "layers"], 2, ["--collapse", "layers"]),
        (["--input", "1,2", "--loss", "mse"], 2, ["--loss needs --target"]),
        (["--input", "1,2", "--highlight", "w"], 2, ["--highlight", "no parameter 'w'"]),
        (["--input", "1,2", "--target", "nan"], 2, ["--target"]),
        ([], 2, ["--input"]),
    ],
)
def test_graph_usage_errors(run, user_error, workdir, model_file, arguments, status, fragments):
    user_error(run("graph", model_file, *arguments), status, *fragments)
    assert sorted(p.name for p in workdir.iterdir()) == ["model.json"]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "No such file"),
        ('{"format": "chainrule.model", "vers', "not valid JSON"),
        ('{"format": "something else"}', "not a chainrule model"),
        ("\0\1\2 binary", "not valid JSON"),
    ],
)
def test_graph_bad_model_files_fail(run, user_error, workdir, content, fragment):
    if content is not None:
        (workdir / "m.json").write_text(content)
    line = user_error(run("graph", "m.json", "--input", "1,2"), 1, "cannot load m.json", fragment)
    assert line.count("m.json") == 1, line  # the file is named once
    assert not (workdir / "graph.svg").exists()


def test_a_run_whose_finite_loss_explodes_is_told_diverged_without_a_python_warning(run):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # fit's RuntimeWarning is for library users
        result = run("train", "--dataset", "regression", *TINY, "--optimizer", "sgd", "--lr", "1e5")
    assert result.exit_code == 0, result.output
    assert "training diverged: try a smaller --lr" in result.stdout, result.stdout
    assert "detect_anomaly" not in result.output
