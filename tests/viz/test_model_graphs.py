"""Graphs of chainrule.nn models and of Tensors: clusters, collapsed neurons, array summaries."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import numpy as np
import pytest

from chainrule import Value
from chainrule.engine.tensor import Tensor
from chainrule.nn import MLP
from chainrule.viz import draw, routes
from chainrule.viz.format import format_number
from chainrule.viz.naming import GraphNames
from chainrule.viz.scene import Scene
from tests.viz.svg_helpers import SVG, groups, parse

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
    # The inputs' weights are checked: a later layer's weights hang off the previous layer's
    # outputs, which crossing minimisation orders by the neurons, not by the weights.
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
        match = re.fullmatch(r"(layers\.0\.neurons\.\d+)\.w\.(\d+)", title)
        if match:
            weights.setdefault(match.group(1), []).append((_centre(group), int(match.group(2))))
    assert len(neurons) == len(sizes) and len(weights) == sizes[0]
    for kind, found in (("neurons", neurons), ("weights", weights if check_weights else {})):
        for group, indices in _reading_order(found, rankdir).items():
            assert indices == sorted(indices), f"{kind} of {group} read {indices} ({rankdir})"


def red_edges(source: str) -> set[tuple[str, str]]:
    return set(re.findall(r"^\t(\w+) -> (\w+) \[[^\n]*#d1242f", source, flags=re.M))


def test_highlight_on_a_tensor_graph_marks_its_paths():
    weights = Tensor(np.full((3, 2), 0.5), requires_grad=True, label="W")
    bias = Tensor(np.zeros(2), requires_grad=True, label="b")
    hidden = (Tensor(np.ones((4, 3)), label="X") @ weights).tanh()
    loss = (hidden + bias).sum()
    loss.backward()
    source = draw(loss, highlight="W").source
    red = red_edges(source)
    ids = dict(re.findall(r'^\t(v\d+) \[[^\n]*tooltip="([^"]+)"', source, flags=re.M))
    node = {tooltip: node for node, tooltip in ids.items()}
    product = "op" + node["X @ W"][1:]
    assert (node["W"], product) in red and (node["X"], product) not in red
    total = "op" + node["tanh(X @ W) + b"][1:]
    assert (node["tanh(X @ W)"], total) in red and (node["b"], total) not in red
    assert "reaches W along the red paths" in source
    assert "∂L/∂W = (3, 2)" in source


def test_highlight_with_collapsed_neurons_marks_the_neurons_on_the_path():
    model = MLP(2, [3, 1], activation="relu", seed=0)
    loss = mlp_loss(model)
    loss.backward()
    source = draw(loss, collapse="neuron", highlight="layers.0.neurons.1.w.0").source
    neurons = {
        label: int(node[1:])
        for node, label in re.findall(r'^\t(v\d+) \[[^\n]*tooltip="([^"]+)"', source, flags=re.M)
    }
    red = red_edges(source)
    on_path = f"v{neurons['layers.0.neurons.1']}", f"v{neurons['layers.1.neurons.0']}"
    off_path = f"v{neurons['layers.0.neurons.0']}", f"v{neurons['layers.1.neurons.0']}"
    assert on_path in red and off_path not in red
    assert "via 0.1 → 1.0" in source  # the caption follows the drawn neurons


def _caption(source: str) -> list[str]:
    caption = re.search(r"label=<<FONT POINT-SIZE=\"12\">(.*?)</FONT>", source).group(1)
    return [re.sub("<[^>]+>", "", line) for line in caption.split('<BR ALIGN="LEFT"/>')]


@pytest.mark.parametrize("collapse", [None, "neuron"])
def test_highlight_in_a_deep_model_sums_the_paths_and_names_the_largest(collapse):
    model = MLP(2, [4, 4, 4, 1], activation="tanh", seed=1)
    loss = mlp_loss(model)
    loss.backward()
    weight = model.layers[0].neurons[0].w[0]
    lines = _caption(draw(loss, collapse=collapse, highlight=weight).source)
    # one path per neuron of each later layer: 4 · 4 · 1, each of (out − 1)² once
    assert (
        lines[1]
        == f"∂L/∂w₀[0.0] = sum over 16 paths through the neurons = {format_number(weight.grad)}"
    )
    terms = [line for line in lines if " via 0.0 → " in line]
    assert len(terms) == 3 and all(line.endswith(" → 3.0") for line in terms)
    values = [float(line.split()[0].replace("−", "-")) for line in terms]
    assert values == sorted(values, key=abs, reverse=True)
    rest = float(lines[-2].split()[0].replace("−", "-"))
    assert "from the other paths" in lines[-2]
    assert sum(values) + rest == pytest.approx(weight.grad, rel=1e-3, abs=1e-6)


def test_summary_terms_are_the_products_along_the_neurons():
    # 2 → 1 → 1 with known weights: one route, ∂L/∂w = 2(o − 1)·f'(z₁)·w₁·f'(z₀)·x
    model = MLP(1, [1, 1], activation="tanh", seed=0)
    out = model([0.5])
    loss = (out - 1.0) ** 2
    loss.backward()
    weight = model.layers[0].neurons[0].w[0]
    summary = routes.summarize(Scene(GraphNames(loss), collapse="neuron", show_grad=True), weight)
    assert summary.count == 1 and summary.total == pytest.approx(weight.grad, rel=1e-12)
    assert summary.largest == [(pytest.approx(weight.grad, rel=1e-12), "0.0 → 1.0")]


def test_the_caption_is_never_wider_than_the_picture():
    model = MLP(2, [4, 4, 1], activation="tanh", seed=0)
    loss = mlp_loss(model)
    loss.backward()
    weight = model.layers[0].neurons[2].w[1]
    for collapse in ("neuron", "layer"):
        root = parse(draw(loss, collapse=collapse, highlight=weight).pipe("svg"))
        width = float(root.get("width", "0pt").removesuffix("pt"))
        shapes = [
            _centre(group)[0]
            for group in groups(root, "node").values()
            if group.find(f".//{SVG}polygon") is not None  # not the invisible column anchors
        ]
        caption = [t for t in root.iter(f"{SVG}text") if "Chain rule" in (t.text or "")]
        assert caption, collapse
        # the drawing (not the caption) decides the width: nodes reach across most of it
        assert max(shapes) - min(shapes) > 0.6 * width, collapse


def _weight_edges(source: str) -> dict[str, tuple[str, float]]:
    """Weight edges of a collapsed graph by weight label: (colour, pen width)."""
    found = {}
    for line in source.splitlines():
        match = re.search(
            r'_w\d+ tooltip="([^ ]+) = [^"]*" color="([^"]+)" penwidth=([\d.]+)', line
        )
        if match:
            found[match.group(1)] = (match.group(2), float(match.group(3)))
    return found


def test_collapsed_weights_are_edges_coloured_by_sign_and_sized_by_magnitude():
    model = MLP(2, [4, 4, 1], activation="tanh", seed=3)
    loss = mlp_loss(model)
    loss.backward()
    source = draw(loss, collapse="neuron").source
    found = _weight_edges(source)
    named = dict(model.named_parameters())
    weights = {name: named[name] for name in named if ".w." in name}
    assert sorted(found) == sorted(weights)  # one edge per weight, none for the biases
    largest = max(abs(w.grad) for w in weights.values())
    for name, weight in weights.items():
        colour, width = found[name]
        assert colour == ("#e8704e" if weight.grad > 0 else "#5b9bd5"), name
        assert width == pytest.approx(0.6 + 3.4 * abs(weight.grad) / largest, abs=0.006)
    # each weight's value and gradient is written in its neuron (few inputs) and its tooltip
    w = model.layers[1].neurons[2].w[3]
    assert f"w₃ {format_number(w.data)} · grad {format_number(w.grad)}" in source
    assert f"layers.1.neurons.2.w.3 = {format_number(w.data)}, ∂L/∂w = " in source
    b = model.layers[0].neurons[1].b
    assert f"b {format_number(b.data)} · grad {format_number(b.grad)}" in source
    labelled = draw(loss, collapse="neuron", edge_labels=True).source
    assert f"w₃ {format_number(w.data)}<BR/>grad {format_number(w.grad)}" in labelled


def test_collapse_layer_draws_one_node_per_layer_with_a_gradient_summary():
    model = MLP(2, [16, 16, 1], activation="relu", seed=0)
    loss = mlp_loss(model)
    loss.backward()
    diagram = draw(loss, collapse="layer")
    source = diagram.source
    assert re.findall(r"<B>layer (\d+)</B>", source) == ["0", "1", "2"]
    assert "16 × relu(w·x + b)" in source and "16 → 16, 272 parameters" in source
    grads = [
        w.grad
        for name, w in model.named_parameters()
        if name.startswith("layers.1.") and ".w." in name
    ]
    low, high = min(grads), max(grads)
    assert f"∂L/∂w in [{format_number(low)}, {format_number(high)}]" in source
    name, largest = max(
        (
            (n, w.grad)
            for n, w in model.named_parameters()
            if n.startswith("layers.1.") and ".w." in n
        ),
        key=lambda item: abs(item[1]),
    )
    neuron, weight = re.fullmatch(r"layers\.1\.neurons\.(\d+)\.w\.(\d+)", name).groups()
    short = f"w{weight}".translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
    assert f"largest: ∂L/∂{short}[1.{neuron}] = {format_number(largest)}" in source
    assert diagram.node_count < 20
    svg = diagram.pipe("svg")
    assert svg.count(b'class="node"') == diagram.node_count


def test_highlight_on_collapsed_layers_marks_the_layers_and_edges_it_passes():
    model = MLP(2, [4, 4, 1], activation="tanh", seed=0)
    loss = mlp_loss(model)
    loss.backward()
    source = draw(loss, collapse="layer", highlight="layers.1.neurons.3.w.2").source
    layers = {
        label: node
        for node, label in re.findall(r'^\t(v\d+) \[[^\n]*tooltip="([^"]+)"', source, flags=re.M)
    }
    red = red_edges(source)
    assert (layers["layers.1"], layers["layers.2"]) in red
    assert (layers["layers.0"], layers["layers.1"]) not in red
