"""The chain rule through a model, summarised: paths between drawn nodes, grouped by neuron.

A model's leaf reaches the loss along more paths than a caption can list (one per neuron of
every later layer, times the paths inside each neuron). Collapsing each neuron to one node,
the derivative along a drawn edge is the total derivative of the neuron's output with
respect to that input (f'(z)·w for a weight's input); the products along the drawn paths
then sum to the leaf's gradient, and the few largest products say where it comes from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from chainrule.engine.node import Node, as_scalar
from chainrule.viz.format import format_number
from chainrule.viz.naming import GraphNames, is_constant
from chainrule.viz.scene import Scene

#: Paths are listed one by one (to find the largest) only up to this many; past it, their
#: number and sum are still exact.
MAX_LISTED_PATHS = 20_000


@dataclass(frozen=True)
class RouteSummary:
    """How a leaf's gradient reaches the root through the drawn nodes."""

    count: int  # how many drawn paths
    total: float  # their sum: the leaf's gradient
    largest: list[tuple[float, str]]  # the largest terms by neuron route, with the route


def _local_derivatives(scene: Scene) -> tuple[dict[int, dict[int, float]], dict[int, float]]:
    """∂value/∂input along every drawn edge, by head then tail; and ∂output/∂leaf for each
    leaf inside a collapsed neuron (its weights and bias).

    A collapsed neuron's derivative with respect to an input sums every path inside the
    neuron (forward accumulation over its members in creation order).
    """
    names = scene.names
    edges: dict[int, dict[int, float]] = {}
    leaves: dict[int, float] = {}
    inside: dict[int, dict[int, float]] = {}  # member → ∂member/∂source (an input or a leaf)
    for node in names.order:
        i = names.id(node)
        if not node.children:
            continue
        rep = scene.collapsed.get(i)
        if rep is None:
            into = edges.setdefault(i, {})
            for child, local in zip(node.children, as_scalar(node).local_grads):
                if not is_constant(child):
                    c = scene.rep(child)
                    into[c] = into.get(c, 0.0) + local
            continue
        own: dict[int, float] = {}
        for child, local in zip(node.children, as_scalar(node).local_grads):
            c = names.id(child)
            if is_constant(child):
                continue
            if scene.collapsed.get(c) == rep and child.children:  # a value inside the neuron
                for source, value in inside.get(c, {}).items():
                    own[source] = own.get(source, 0.0) + local * value
            else:  # an input from outside (by its drawn node), or a weight or bias
                source = c if scene.collapsed.get(c) == rep else scene.rep(child)
                own[source] = own.get(source, 0.0) + local
        inside[i] = own
        if i == rep:
            edges[i] = {}
            for source, value in own.items():
                if scene.collapsed.get(source) == rep:
                    leaves[source] = value
                else:
                    edges[i][source] = value
    return edges, leaves


def summarize(scene: Scene, leaf: Node, *, largest: int = 3) -> RouteSummary:
    """Count the drawn paths from `leaf` to the root, sum them, and find the largest terms.

    Terms are grouped by the collapsed neurons a path passes (``0.1 → 1.3 → 2.0``), as a
    reader follows them on the picture.
    """
    names = scene.names
    edges, leaves = _local_derivatives(scene)
    start = scene.rep(leaf)
    # a leaf inside a collapsed neuron starts with ∂output/∂leaf through the neuron
    first = leaves.get(names.id(leaf), 0.0) if start != names.id(leaf) else 1.0
    forward: dict[int, list[tuple[int, float]]] = {}  # tail → [(head, derivative)]
    for head, sources in edges.items():
        for source, value in sources.items():
            forward.setdefault(source, []).append((head, value))
    order = [scene.rep(node) for node in names.order if scene.rep(node) == names.id(node)]
    position = {node: n for n, node in enumerate(order)}
    count = {start: 1}
    total = {start: first}
    for node in order[position.get(start, 0) :]:
        if node not in count:
            continue
        for head, value in forward.get(node, []):
            count[head] = count.get(head, 0) + count[node]
            total[head] = total.get(head, 0.0) + value * total[node]
    root = names.id(names.root)
    paths = count.get(root, 0)
    terms: dict[str, float] = {}
    if 0 < paths <= MAX_LISTED_PATHS:
        stack: list[tuple[int, float, tuple[int, ...]]] = [(start, first, ())]
        while stack:
            node, product, route = stack.pop()
            if node in scene.groups:
                route = (*route, node)
            if node == root:
                key = " → ".join(_neuron_name(scene, n) for n in route)
                terms[key] = terms.get(key, 0.0) + product
                continue
            for head, value in forward.get(node, []):
                if head in count:
                    stack.append((head, product * value, route))
    ranked = sorted(terms.items(), key=lambda item: -abs(item[1]))[:largest]
    return RouteSummary(paths, total.get(root, 0.0), [(value, key) for key, value in ranked])


def _neuron_name(scene: Scene, rep: int) -> str:
    group = scene.groups[rep]
    place = group.place
    if group.kind == "layer":
        return f"layer {place.layer_index}"
    return f"{place.layer_index}.{place.neuron_index}"


def caption_lines(names: GraphNames, leaf: Node, lhs: str) -> list[str]:
    """The summary as caption lines, each short enough for a picture of a small model."""
    scene = Scene(names, collapse="neuron", show_grad=True)
    summary = summarize(scene, leaf)
    word = "path" if summary.count == 1 else "paths"
    lines = [
        f"{lhs} = sum over {summary.count} {word} through the neurons = "
        f"{format_number(summary.total)}"
    ]
    if summary.largest:
        lines.append("largest terms, by the neurons (layer.neuron) they pass:")
        for value, route in summary.largest:
            lines.append(f"  {format_number(value)} via {route or 'no neuron'}")
        rest = summary.total - math.fsum(value for value, _ in summary.largest)
        if len(summary.largest) < summary.count and rest != 0:
            lines.append(f"  {format_number(rest)} from the other paths")
    return lines
