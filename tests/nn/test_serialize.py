"""save/load: identical outputs after a round trip, clear errors for bad files."""

from __future__ import annotations

import json
import os

import pytest

from chainrule.nn import MLP, Layer, Neuron, load, save


def test_round_trip_gives_identical_outputs(tmp_path):
    model = MLP(3, [5, 4, 2], activation="tanh", output_activation="softmax", seed=3)
    path = tmp_path / "model.json"
    save(model, path)
    restored = load(path)
    assert type(restored) is MLP and repr(restored) == repr(model)
    assert restored.state_dict() == model.state_dict()
    x = [0.1, -0.2, 0.3]
    assert [y.data for y in restored(x)] == [y.data for y in model(x)]


@pytest.mark.parametrize("model", [Neuron(2, "relu", seed=0), Layer(2, 3, "sigmoid", seed=0)])
def test_neurons_and_layers_can_be_saved(tmp_path, model):
    save(model, tmp_path / "m.json")
    assert load(tmp_path / "m.json").state_dict() == model.state_dict()


def test_file_content_and_no_leftover_temporary(tmp_path):
    path = tmp_path / "model.json"
    save(MLP(2, [1], seed=0), path)
    save(MLP(2, [1], seed=1), path)  # overwrite
    document = json.loads(path.read_text())
    assert document["format"] == "chainrule.model" and document["version"] == 1
    assert document["kind"] == "MLP" and document["config"]["nouts"] == [1]
    assert os.listdir(tmp_path) == ["model.json"]


def corrupt(tmp_path, change):
    path = tmp_path / "model.json"
    save(MLP(2, [2, 1], seed=0), path)
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(format="other"), "not a chainrule model file"),
        (lambda d: d.update(version=99), "unsupported format version 99"),
        (lambda d: d.update(kind="Transformer"), "unknown model kind 'Transformer'"),
        (lambda d: d["config"].update(nouts=[3, 1]), "needs 13 weights and biases.*holds 9"),
        (lambda d: d["parameters"].pop("layers.1.neurons.0.b"), "needs 9 weights.*holds 8"),
        (lambda d: d["parameters"].update({"extra": 0}), "needs 9 weights.*holds 10"),
        (
            lambda d: d["parameters"].update({"x": d["parameters"].pop("layers.1.neurons.0.b")}),
            "missing keys",
        ),
        (lambda d: d["parameters"].update({"layers.0.neurons.0.b": "x"}), "expected a number"),
        (lambda d: d["config"].update(activation="swish"), "bad architecture.*unknown activation"),
        (lambda d: d.update(config=[]), "must be JSON objects"),
        (lambda d: d.update(version=True), "unsupported format version True"),
        (lambda d: d["parameters"].update({"layers.0.neurons.0.b": 10**400}), "do not fit"),
    ],
)
def test_mismatched_files_raise_value_error(tmp_path, change, message):
    with pytest.raises(ValueError, match=message):
        load(corrupt(tmp_path, change))


def test_truncated_and_foreign_files(tmp_path):
    path = tmp_path / "model.json"
    save(MLP(2, [2, 1], seed=0), path)
    path.write_text(path.read_text()[:-40])
    with pytest.raises(ValueError, match="not valid JSON"):
        load(path)
    path.write_text("[1, 2, 3]")
    with pytest.raises(ValueError, match="not a chainrule model file"):
        load(path)
    path.write_bytes(b"\x80\x04\x95pickle")
    with pytest.raises(ValueError, match="not UTF-8 text"):
        load(path)
    path.write_text("[" * 100_000)
    with pytest.raises(ValueError, match="nested too deeply"):
        load(path)


def test_a_saved_file_gets_the_mode_open_would_give(tmp_path):
    previous = os.umask(0o022)
    try:
        save(MLP(2, [1], seed=0), tmp_path / "model.json")
    finally:
        os.umask(previous)
    assert (tmp_path / "model.json").stat().st_mode & 0o777 == 0o644


def test_custom_activation_cannot_be_saved(tmp_path):
    def square(v):
        return v * v

    with pytest.raises(ValueError, match="custom activation 'square'"):
        save(MLP(2, [1], activation=square), tmp_path / "m.json")
    assert not os.listdir(tmp_path)
    with pytest.raises(TypeError, match="cannot save a list"):
        save([], tmp_path / "m.json")


def test_batched_models_round_trip_with_arrays(tmp_path):
    import numpy as np

    from chainrule.nn import batched

    model = batched.MLP.from_scalar(MLP(2, [4, 3], seed=0))
    save(model, tmp_path / "b.json")
    restored = load(tmp_path / "b.json")
    assert type(restored) is batched.MLP
    x = np.array([[0.1, 0.2], [0.3, -1.0]])
    assert np.array_equal(restored(x).data, model(x).data)
    document = json.loads((tmp_path / "b.json").read_text())
    document["parameters"]["layers.0.w"]["shape"] = [4, 2]
    (tmp_path / "b.json").write_text(json.dumps(document))
    with pytest.raises(ValueError, match="shape mismatch"):
        load(tmp_path / "b.json")
    document["parameters"]["layers.0.w"]["shape"] = [3, 2]
    (tmp_path / "b.json").write_text(json.dumps(document))
    with pytest.raises(ValueError, match=r"shape \[3, 2\] does not hold 8 numbers"):
        load(tmp_path / "b.json")
    for bad in ([None] * 8, [True] * 8, ["1"] * 8, [10**400] * 8):  # null was read as nan
        document["parameters"]["layers.0.w"] = {"shape": [2, 4], "data": bad}
        (tmp_path / "b.json").write_text(json.dumps(document))
        with pytest.raises(ValueError, match="do not fit"):
            load(tmp_path / "b.json")
