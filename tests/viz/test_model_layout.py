"""Model graphs lay out by layer: inputs, layer 0, …, output, loss, read from rendered SVG."""

from __future__ import annotations

import re
import struct
from xml.etree import ElementTree

import pytest

from chainrule import Value
from chainrule.nn import MLP, bce_with_logits, mse
from chainrule.nn.data import make_moons
from chainrule.viz import draw
from chainrule.viz.naming import GraphNames, is_constant
from tests.viz.svg_helpers import SVG, groups, parse

XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"


def _extent(group: ElementTree.Element) -> tuple[float, float, float, float]:
    """The bounding box (left, right, top, bottom) of a node's drawn shapes."""
    xs: list[float] = []
    ys: list[float] = []
    for polygon in group.iter(f"{SVG}polygon"):
        numbers = [float(n) for n in re.findall(r"-?\d+\.?\d*", polygon.get("points", ""))]
        xs += numbers[::2]
        ys += numbers[1::2]
    for ellipse in group.iter(f"{SVG}ellipse"):
        cx, cy = float(ellipse.get("cx", 0)), float(ellipse.get("cy", 0))
        rx, ry = float(ellipse.get("rx", 0)), float(ellipse.get("ry", 0))
        xs += [cx - rx, cx + rx]
        ys += [cy - ry, cy + ry]
    assert xs, "a drawn node without a shape"
    return min(xs), max(xs), min(ys), max(ys)


def _layers_by_node(root: Value) -> dict[str, str]:
    """What each drawn id belongs to: ``input``, ``layer K`` or ``after`` (the loss), from
    the graph itself: a value's layer is the one its label names, or the layer of the neuron
    output it flows into; leaves outside layers that feed layer 0 are inputs."""
    names = GraphNames(root)
    belongs: dict[str, str] = {}
    for node in reversed(names.order):
        if is_constant(node):
            continue
        i = names.id(node)
        match = re.match(r"layers\.(\d+)", node.label or "")
        if match:
            where = f"layer {match.group(1)}"
        else:
            users = [u for u in names.order if any(c is node for c in u.children)]
            layers = {belongs.get(f"v{names.id(u)}") for u in users}
            if not node.children and layers == {"layer 0"}:
                where = "input"
            elif node.children and len(layers) == 1 and next(iter(layers), "").startswith("layer"):
                where = layers.pop()  # type: ignore[assignment]
            else:
                where = "after"
        belongs[f"v{i}"] = where
        if node.children:
            belongs[f"op{i}"] = where
    return belongs


def _columns(root: Value, **options: object) -> list[tuple[str, float, float]]:
    """(what, left, right) of every drawn node, in the order inputs, layer 0, …, after."""
    svg = draw(root, rankdir="LR", **options).pipe("svg")
    belongs = _layers_by_node(root)
    found = []
    for node_id, group in groups(parse(svg), "node").items():
        if node_id in belongs:
            left, right, _, _ = _extent(group)
            found.append((belongs[node_id], left, right))
        else:  # a collapsed neuron or layer: its tooltip names it
            link = group.find(f".//{SVG}a")
            title = "" if link is None else link.get(XLINK_TITLE, "")
            match = re.match(r"layers\.(\d+)", title)
            assert match, f"unexpected node {node_id} ({title})"
            left, right, _, _ = _extent(group)
            found.append((f"layer {match.group(1)}", left, right))
    return found


def _assert_left_to_right(found: list[tuple[str, float, float]], layers: int) -> None:
    order = ["input", *(f"layer {k}" for k in range(layers)), "after"]
    present = [what for what in order if any(f[0] == what for f in found)]
    assert present[0] == "input" and "after" in present
    for before, after in zip(present, present[1:]):
        right = max(r for what, _, r in found if what == before)
        left = min(left for what, left, _ in found if what == after)
        assert right < left, f"{before} reaches x={right}, {after} starts at x={left}"


@pytest.mark.parametrize("collapse", [None, "neuron", "layer"])
@pytest.mark.parametrize("sizes", [[4, 4, 1], [3, 1], [5, 2, 3, 1]])
def test_every_layer_lies_left_of_the_next(sizes: list[int], collapse: str | None):
    model = MLP(2, sizes, activation="tanh", seed=0)
    loss = mse(model([0.5, -0.2]), 0.3)
    loss.backward()
    _assert_left_to_right(_columns(loss, collapse=collapse), len(sizes))


def test_a_target_leaf_is_drawn_after_the_output_layer():
    # y is a labelled leaf like the inputs, but it is used by the loss: it belongs after
    model = MLP(2, [3, 1], activation="relu", seed=1)
    y = Value(0.7, label="y", requires_grad=False)
    loss = (model([0.1, 0.9]) - y) ** 2
    loss.backward()
    found = _columns(loss)
    assert ("after" in {what for what, _, _ in found}) and _layers_by_node(loss)
    _assert_left_to_right(found, 2)


def _moons_loss(sizes: list[int]) -> Value:
    """A tanh MLP on the first moons sample, with the classifier's loss (BCE on the logit)."""
    model = MLP(2, sizes, activation="tanh", seed=0)
    features, labels = make_moons(50, noise=0.1, seed=0)
    loss = bce_with_logits(model(features[0].tolist()), int(labels[0]))
    loss.backward()
    return loss


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def test_a_collapsed_moons_mlp_fits_a_slide():
    diagram = draw(_moons_loss([16, 16, 1]), collapse="neuron")
    width, height = _png_size(diagram.pipe("png"))
    assert width <= 2400, (width, height)
    # and not because it was shrunk to a thumbnail: the drawing is at most 5 % larger
    svg = parse(diagram.pipe("svg"))
    assert float(svg.get("height", "0pt").removesuffix("pt")) * 2 <= 1.06 * height


def test_the_uncollapsed_small_mlp_is_no_wider_than_4000_points():
    svg = parse(draw(_moons_loss([4, 4, 1])).pipe("svg"))
    assert float(svg.get("width", "0pt").removesuffix("pt")) <= 4000
