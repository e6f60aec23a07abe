"""load checks the size a file claims against the weights it holds before building anything."""

from __future__ import annotations

import json

import pytest

from chainrule.nn import MLP, Layer, Neuron, batched, load, save
from chainrule.nn.layers import mlp_parameter_count


def claiming(tmp_path, model, **config):
    """`model` saved, then its config edited to claim other sizes (the weights unchanged)."""
    path = tmp_path / "claim.json"
    save(model, path)
    document = json.loads(path.read_text())
    document["config"].update(config)
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize(
    "model, claim, needed, held",
    [
        (MLP(2, [3, 1], seed=0), {"nouts": [10**6, 1]}, 4_000_001, 13),
        (MLP(2, [3, 1], seed=0), {"nouts": [4, 1]}, 17, 13),
        (MLP(2, [3, 1], seed=0), {"nin": 10**12}, 3_000_000_000_007, 13),
        (batched.MLP(2, [3, 1], seed=0), {"nouts": [10**6, 1]}, 4_000_001, 13),
        (batched.MLP(2, [3, 1], seed=0), {"nouts": [3, 2]}, 17, 13),
        (Layer(2, 3, seed=0), {"nout": 10**9}, 3_000_000_000, 9),
        (Neuron(2, seed=0), {"nin": 10**9}, 1_000_000_001, 3),
    ],
    ids=["mlp-huge", "mlp-one-more", "mlp-huge-nin", "batched-huge", "batched-one-more",
         "layer-huge", "neuron-huge"],
)  # fmt: skip
def test_a_size_claim_the_weights_do_not_fill_is_refused(tmp_path, model, claim, needed, held):
    path = claiming(tmp_path, model, **claim)
    with pytest.raises(ValueError, match=f"needs {needed:,} weights and biases.*holds {held:,}"):
        load(path)


@pytest.mark.parametrize(
    "claim, message",
    [
        ({"nouts": [0, 1]}, "nouts must hold positive ints, got 0"),
        ({"nouts": [True, 1]}, "nouts must hold positive ints, got True"),
        ({"nouts": [2.0, 1]}, "nouts must hold positive ints, got 2.0"),
        ({"nouts": "3,1"}, "nouts must be a non-empty list"),
        ({"nouts": []}, "nouts must be a non-empty list"),
        ({"nin": -2}, "nin must hold positive ints, got -2"),
        ({"nin": None}, "nin must hold positive ints, got None"),
    ],
)
def test_malformed_sizes_are_a_bad_architecture(tmp_path, claim, message):
    path = claiming(tmp_path, MLP(2, [3, 1], seed=0), **claim)
    with pytest.raises(ValueError, match=f"bad architecture for a MLP: {message}"):
        load(path)


@pytest.mark.parametrize(
    "model", [MLP(3, [4, 5, 2], seed=1), batched.MLP(3, [4, 5, 2], seed=1), Layer(3, 4, seed=1)]
)
def test_the_count_is_the_number_of_parameters(model):
    assert type(model).parameter_count(model.config()) == sum(
        getattr(p.data, "size", 1) for p in model.parameters()
    )
    assert mlp_parameter_count(3, [4, 5, 2]) == 4 * 4 + 5 * 5 + 6 * 2


def test_graph_refuses_a_huge_claim(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from chainrule.cli import cli

    path = claiming(tmp_path, MLP(2, [3, 1], seed=0), nouts=[10**6, 1])
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["graph", str(path), "--input", "1,2", "-o", "g.gv"])
    assert result.exit_code == 1
    assert "needs 4,000,001 weights and biases, the file holds 13" in result.stderr
    assert not (tmp_path / "g.gv").exists()
