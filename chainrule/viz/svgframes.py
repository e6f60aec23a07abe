"""Restyles one rendered SVG into a frame: new gradient texts, colours, highlights and caption.

Only texts and colours change; no coordinate is touched, so every frame made from the same
SVG has its nodes in exactly the same places. Graphviz writes each node as
``<g id="v4" class="node">`` (our ids), a value record's border as its first polygon, and its
gradient row last: a cell polygon followed by the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree import ElementTree

from chainrule.viz import style

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ElementTree.register_namespace("", SVG_NS)
ElementTree.register_namespace("xlink", XLINK_NS)
_G, _TEXT, _POLYGON, _PATH, _ELLIPSE = (
    f"{{{SVG_NS}}}{tag}" for tag in ("g", "text", "polygon", "path", "ellipse")
)


#: The same highlights as CSS classes (``active`` on a node or edge group, ``updated`` on a
#: record whose gradient changed), for the page that restyles one SVG in the browser.
HIGHLIGHT_CSS = f"""
g.node.active ellipse, g.node.active polygon[fill="none"] {{
  stroke: {style.ACTIVE}; stroke-width: 3; }}
g.edge.active path, g.edge.active polygon {{ stroke: {style.ACTIVE}; stroke-width: 2.5; }}
g.edge.active polygon {{ fill: {style.ACTIVE}; }}
g.node.updated text.grad {{ font-weight: bold; }}
g.node.updated .grad-cell {{ stroke: {style.ACTIVE}; stroke-width: 1.5; }}
"""


@dataclass
class FrameStyle:
    """What one frame changes in the layout's SVG (keys are DOT node and edge ids)."""

    grad_texts: dict[str, str] = field(default_factory=dict)
    grad_fills: dict[str, str] = field(default_factory=dict)
    active: set[str] = field(default_factory=set)
    updated: set[str] = field(default_factory=set)
    edges: set[str] = field(default_factory=set)
    label_lines: list[str] = field(default_factory=list)


def restyle(svg: str, frame: FrameStyle) -> str:
    """Return a copy of `svg` with the frame's texts, fills and highlights applied."""
    tree = ElementTree.fromstring(svg)
    groups = {g.get("id"): g for g in tree.iter(_G) if g.get("id")}
    for node_id, text in frame.grad_texts.items():
        group = groups.get(node_id)
        if group is not None:
            _set_grad(group, text, frame.grad_fills.get(node_id), node_id in frame.updated)
    for node_id in frame.active:
        group = groups.get(node_id)
        if group is not None:
            _outline(group)
    for edge_id in frame.edges:
        group = groups.get(edge_id)
        if group is not None:
            _colour_edge(group)
    graph = groups.get("graph0")
    if graph is not None:
        _set_caption(graph, frame.label_lines)
    return ElementTree.tostring(tree, encoding="unicode")


def _set_grad(group: ElementTree.Element, text: str, fill: str | None, updated: bool) -> None:
    texts = list(group.iter(_TEXT))
    polygons = list(group.iter(_POLYGON))
    # the record's last "grad …" row (a collapsed neuron lists its weights' after it), or in
    # a forward pass, which draws no gradients, its "data …" row
    label = next(
        (t for t in reversed(texts) if (t.text or "").startswith(("grad ", "data "))), None
    )
    if label is None:
        return
    cell = polygons[-1] if len(polygons) > 1 else None
    label.text = text
    label.set("class", "grad")  # how the page finds the cell to restyle
    if cell is not None:
        cell.set("class", "grad-cell")
        if fill is not None:
            cell.set("fill", fill)
        xs = [float(point.split(",")[0]) for point in cell.get("points", "").split()]
        if xs:  # centre the new text in the cell it was laid out for
            label.set("text-anchor", "middle")
            label.set("x", f"{(min(xs) + max(xs)) / 2:.2f}")
    if updated:
        label.set("font-weight", "bold")
        if cell is not None:
            cell.set("stroke", style.ACTIVE)
            cell.set("stroke-width", "1.5")


def _outline(group: ElementTree.Element) -> None:
    for shape in (*group.iter(_ELLIPSE), *group.iter(_POLYGON)):
        if shape.get("fill") == "none" or shape.tag == _ELLIPSE:
            shape.set("stroke", style.ACTIVE)
            shape.set("stroke-width", "3")
            return


def _colour_edge(group: ElementTree.Element) -> None:
    for shape in (*group.iter(_PATH), *group.iter(_POLYGON)):
        shape.set("stroke", style.ACTIVE)
        shape.set("stroke-width", "2.5")
        if shape.tag == _POLYGON:
            shape.set("fill", style.ACTIVE)


def _set_caption(graph: ElementTree.Element, lines: list[str]) -> None:
    """The caption's lines are the graph's own texts, in order; unused lines are emptied."""
    captions = [child for child in graph if child.tag == _TEXT]
    for n, element in enumerate(captions):
        element.text = lines[n] if n < len(lines) else ""
