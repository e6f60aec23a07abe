"""Graphs of chainrule.nn models and of Tensors: clusters, collapsed neurons, array summaries."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import numpy as np
import pytest
from svg_helpers import SVG, groups, parse

from chainrule import Value
from chainrule.engine.tensor import Tensor
from chainrule.nn import MLP
from chainrule.viz import draw

XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"


def mlp_loss(model: MLP) -> object:
    out = model([0.5, -1.0])
    return (out - 1.0) ** 2


def test_nn_mlp_graph_is_clustered_by_layer_and_neuron():
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    loss = mlp_loss(model)
    loss.backward()
    source = draw(loss).source
    assert len(re.findall(r'subgraph "cluster_layers\.\d+" \{', source)) == 2
    assert len(re.findall(r'subgraph "cluster_layers\.\d+\.neurons\.\d+" \{', source)) == 4
    for name, _ in model.named_parameters():
        assert f'tooltip="{name}"' in source
    assert "<B>x0</B>" in source and "<B>w₁</B>" in source


def test_nn_mlp_collapsed_stays_small():
    model = MLP(2, [16, 16, 1], seed=0)
    loss = mlp_loss(model)
    loss.backward()
    diagram = draw(loss, collapse="neuron")
    assert len(re.findall(r"<B>neuron \d+</B>", diagram.source)) == 33
    assert diagram.node_count < 50
    svg = diagram.pipe("svg")
    assert svg.count(b'class="node"') == diagram.node_count


def test_tensor_graph_shows_shapes_and_summaries():
    weights = Tensor(np.linspace(-1.3, 2.0, 20).reshape(2, 10), requires_grad=True, label="W")
    inputs = Tensor(np.ones((256, 2)), label="X")
    loss = (inputs @ weights).tanh().mean()
    source = draw(loss).source
    assert "data (2, 10) mean 0.35 [−1.3, 2]" in source
    assert "data (256, 2) mean 1 [1, 1]" in source
    assert "grad —" in source  # Tensor grads are None before backward
    loss.backward()
    source = draw(loss, edge_labels=True).source
    assert re.search(r"grad \(2, 10\) mean \S+ \[", source)
    assert "tanh" in source and "mean" in source


def _centre(element: ElementTree.Element) -> tuple[float, float]:
    """The centre of the first polygon (or path) of a node or cluster group."""
    polygon = element.find(f".//{SVG}polygon")
    if polygon is not None:
        numbers = [float(n) for n in re.findall(r"-?\d+\.?\d*", polygon.get("points", ""))]
    else:
        path = element.find(f".//{SVG}path")
        assert path is not None
        numbers = [float(n) for n in re.findall(r"-?\d+\.?\d*", path.get("d", ""))]
    xs, ys = numbers[::2], numbers[1::2]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def _reading_order(places: dict[str, list[tuple[tuple[float, float], int]]], rankdir: str):
    """Per group, the indices in the order a reader meets them: top to bottom for LR and RL,
    left to right for TB and BT."""
    axis = 1 if rankdir in ("LR", "RL") else 0
    return {
        group: [index for _, index in sorted(found, key=lambda item: item[0][axis])]
        for group, found in places.items()
    }


def _neuron_places(svg: bytes) -> dict[str, list[tuple[tuple[float, float], int]]]:
    """Collapsed neurons by layer, from their tooltips (``layers.1.neurons.3``)."""
    places: dict[str, list[tuple[tuple[float, float], int]]] = {}
    for group in groups(parse(svg), "node").values():
        link = group.find(f".//{SVG}a")
        title = "" if link is None else link.get(XLINK_TITLE, "")
        match = re.fullmatch(r"(layers\.\d+)\.neurons\.(\d+)", title)
        if match:
            places.setdefault(match.group(1), []).append((_centre(group), int(match.group(2))))
    return places


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("sizes", [[8, 8, 1], [16, 16, 1], [5, 7, 2], [4, 3]])
def test_collapsed_neurons_are_drawn_in_order(sizes: list[int], rankdir: str):
    model = MLP(2, sizes, activation="relu", seed=0)
    outputs = model([0.3, -0.7])
    loss = (sum(outputs, Value(0.0)) if isinstance(outputs, list) else outputs) ** 2
    loss.backward()
    svg = draw(loss, collapse="neuron", rankdir=rankdir).pipe("svg")
    order = _reading_order(_neuron_places(svg), rankdir)
    assert sorted(order) == [f"layers.{n}" for n in range(len(sizes))]
    for layer, indices in order.items():
        assert indices == sorted(indices), f"{layer} reads {indices} ({rankdir})"


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize(("sizes", "check_weights"), [([3, 1], True), ([4, 4, 1], False)])
def test_full_model_graph_draws_neurons_in_order(
    sizes: list[int], check_weights: bool, rankdir: str
):
    # Weights whose products join the sum later sit on later ranks: only a neuron whose
    # weights share a rank (up to three inputs here) is sure to list them in order.
    model = MLP(2, sizes, activation="tanh", seed=0)
    loss = mlp_loss(model)
    loss.backward()
    root = parse(draw(loss, rankdir=rankdir).pipe("svg"))
    neurons: dict[str, list[tuple[tuple[float, float], int]]] = {}
    for group in groups(root, "cluster").values():
        title = group.findtext(f"{SVG}title") or ""
        match = re.fullmatch(r"cluster_(layers\.\d+)\.neurons\.(\d+)", title)
        if match:
            neurons.setdefault(match.group(1), []).append((_centre(group), int(match.group(2))))
    weights: dict[str, list[tuple[tuple[float, float], int]]] = {}
    for group in groups(root, "node").values():
        link = group.find(f".//{SVG}a")
        title = "" if link is None else link.get(XLINK_TITLE, "")
        match = re.fullmatch(r"(layers\.\d+\.neurons\.\d+)\.w\.(\d+)", title)
        if match:
            weights.setdefault(match.group(1), []).append((_centre(group), int(match.group(2))))
    assert len(neurons) == len(sizes) and len(weights) == sum(sizes)
    for kind, found in (("neurons", neurons), ("weights", weights if check_weights else {})):
        for group, indices in _reading_order(found, rankdir).items():
            assert indices == sorted(indices), f"{kind} of {group} read {indices} ({rankdir})"
