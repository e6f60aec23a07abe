"""Labels holding control characters render, and show those characters as escapes."""

from __future__ import annotations

import pytest

from chainrule import Value
from chainrule.viz import draw, explain, steps
from chainrule.viz.format import visible
from tests.viz.svg_helpers import SVG, parse, texts

LABELS = {  # what a label holds → how every picture and text writes it
    "a\tb": "a\\tb",
    "a\nb": "a\\nb",
    "a\r\nb": "a\\r\\nb",
    "a\x0cb": "a\\x0cb",
    "a\x00b": "a\\x00b",
    "a\x1b[31mb": "a\\x1b[31mb",
    "a\x7fb": "a\\x7fb",
    "a\x85b": "a\\x85b",
    "a\u2028b": "a\\u2028b",
    "a\ud800b": "a\\ud800b",  # a lone surrogate: not even encodable as UTF-8
}


def labelled_graph(label: str) -> tuple[Value, Value]:
    x = Value(2.0, label=label)
    y = (x * x).tanh()
    y.backward()
    return x, y


@pytest.mark.parametrize("label", list(LABELS), ids=[repr(k) for k in LABELS])
def test_a_control_character_in_a_label_renders_visibly(label):
    x, y = labelled_graph(label)
    svg = parse(draw(y, highlight=x, edge_labels=True).pipe("svg"))  # graphviz-pure
    shown = " ".join(texts(svg))
    assert LABELS[label] in shown  # the record's title and the chain-rule caption
    tooltips = [a.get("{http://www.w3.org/1999/xlink}title") for a in svg.iter(f"{SVG}a")]
    assert LABELS[label] in tooltips


@pytest.mark.parametrize("label", list(LABELS), ids=[repr(k) for k in LABELS])
def test_step_frames_and_explain_show_control_characters_visibly(label):
    x, y = labelled_graph(label)
    for frame_svg in steps(y).svgs():
        parse(frame_svg)  # well-formed XML: no NUL or ESC inside
    text = explain(y, wrt=x)
    assert f"Chain rule for {LABELS[label]}:" in text
    assert all(line.isprintable() for line in text.split("\n"))  # no raw ESC for a terminal


def test_visible_leaves_printable_text_alone():
    assert visible("θ1 · x² — ok") == "θ1 · x² — ok"
    assert visible("a\\nb") == "a\\nb"  # a backslash typed by the user stays one backslash
