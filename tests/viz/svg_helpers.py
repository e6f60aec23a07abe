"""Parsing rendered SVG in tests: node groups, their texts and their coordinates."""

from __future__ import annotations

from xml.etree import ElementTree

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str | bytes) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def groups(root: ElementTree.Element, kind: str) -> dict[str, ElementTree.Element]:
    """The `<g class="node">` (or edge) groups by their DOT id."""
    return {g.get("id"): g for g in root.iter(f"{SVG}g") if kind in (g.get("class") or "").split()}


def texts(element: ElementTree.Element) -> list[str]:
    return [t.text or "" for t in element.iter(f"{SVG}text")]


def geometry(root: ElementTree.Element) -> dict[str, list[str]]:
    """Every node's shape coordinates: polygon points, ellipse centres, text positions."""
    result = {}
    for node_id, group in groups(root, "node").items():
        shapes = [p.get("points", "") for p in group.iter(f"{SVG}polygon")]
        shapes += [f"{e.get('cx')},{e.get('cy')}" for e in group.iter(f"{SVG}ellipse")]
        shapes += [t.get("y", "") for t in group.iter(f"{SVG}text")]
        result[node_id] = shapes
    return result
