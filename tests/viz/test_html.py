"""The stepper page: one SVG of the fixed layout, per-frame changes, the same page in Jupyter."""

from __future__ import annotations

import html
import json
import re
from xml.etree import ElementTree

import pytest

from chainrule import Value
from chainrule._files import MANIFEST
from chainrule.viz import render_steps, steps
from tests.viz import svg_helpers as svg
from tests.viz.viz_graphs import labelled_mlp


def page_state(page: str) -> dict:
    data = re.search(r'<script type="application/json" id="state">(.*?)</script>', page, re.S)
    assert data is not None
    return json.loads(data.group(1).replace("<\\/", "</"))


def page_svg(page: str) -> ElementTree.Element:
    found = re.findall(r"<svg\b.*?</svg>", page, re.S)
    assert len(found) == 1  # one picture of the layout, not one per frame
    return svg.parse(found[0])


def test_render_steps_writes_one_self_contained_page(lecture, tmp_path):
    loss, *_ = lecture
    page_path = render_steps(loss, tmp_path / "out")
    assert page_path == tmp_path / "out" / "index.html"
    written = {p.name for p in (tmp_path / "out").iterdir()} - {MANIFEST}
    assert written == {"index.html"}  # no frame files: the page holds every frame
    page = page_path.read_text(encoding="utf-8")
    assert "http" not in re.sub(r'xmlns(:xlink)?="[^"]*"', "", page)  # namespaces name, not load
    assert "src=" not in page and "<link" not in page and "url(" not in page
    for control in ('id="prev"', 'id="next"', 'id="play"', 'id="slider"', 'id="zoom"'):
        assert control in page
    assert "ArrowRight" in page and "ArrowLeft" in page and "location.hash" in page
    state = page_state(page)
    assert len(state["frames"]) == 5
    assert state["frames"][2]["text"].splitlines() == [
        "step 2: back through c = θ1·θ2·x − y",
        "∂L/∂b = ∂L/∂c · ∂c/∂b = 2c · 1 = (−5) · 1 = −5",
    ]
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_the_page_replays_to_exactly_each_frames_picture(lecture):
    """Applying the page's changes in order gives every frame's gradient cells, highlights
    and text, as the frame's own SVG has them."""
    loss, *_ = lecture
    frames = steps(loss)
    state = page_state(frames.page())
    cells = {cell: tuple(state["blank"]) for cell in state["cells"]}
    for frame, change in zip(frames, state["frames"]):
        for cell, text, fill in change["grads"]:
            cells[cell] = (text, fill)
        picture = svg.parse(frames.svg(frame.index))
        nodes = svg.groups(picture, "node")
        for cell, (text, fill) in cells.items():
            grad_text = [t for t in nodes[cell].iter(f"{svg.SVG}text") if t.get("class") == "grad"]
            assert grad_text[0].text == text
            grad_cell = [p for p in nodes[cell].iter(f"{svg.SVG}polygon") if p.get("class")]
            assert grad_cell[0].get("fill") == fill
        assert set(change["active"]) == {f"v{frame.active}", f"op{frame.active}"}
        assert set(change["edges"]) == set(frame.edges)
        assert set(change["updated"]) == {f"v{i}" for i in frame.updated}
        assert change["text"] == "\n".join([frame.title, *frame.formulas])
    assert cells["v0"] == ("grad 15", "#ffd3c4")  # ∂L/∂θ1 = 15 > 0


def test_each_gradient_change_is_stored_once(lecture):
    loss, *_ = lecture
    state = page_state(steps(loss).page())
    changes = [cell for frame in state["frames"] for cell, *_ in frame["grads"]]
    # L, c, b, a, θ1, θ2 each get their gradient once: nodes + steps, not nodes × steps
    assert sorted(changes) == ["v0", "v1", "v4", "v5", "v6", "v8"]


def test_the_layout_starts_blank_without_caption_or_fixed_size(lecture):
    loss, *_ = lecture
    frames = steps(loss)
    picture = page_svg(frames.page())
    assert picture.get("width") is None and picture.get("height") is None
    graph = picture.find(f"{svg.SVG}g")
    assert [child for child in graph if child.tag == f"{svg.SVG}text"] == []  # no caption
    grads = [t.text for t in picture.iter(f"{svg.SVG}text") if t.get("class") == "grad"]
    assert grads == ["grad —"] * 6
    # the view box starts below the caption the frame files have
    top = float(picture.get("viewBox").split()[1])
    assert top > 20
    node_tops = [
        float(point.split(",")[1]) + float(graph.get("transform").rsplit(" ", 1)[-1][:-1])
        for polygon in picture.iter(f"{svg.SVG}polygon")
        if polygon.get("fill") == "none"
        for point in polygon.get("points").split()
    ]
    assert top <= min(node_tops)  # no node is cut


def test_a_model_page_grows_with_nodes_plus_steps(tmp_path):
    loss = labelled_mlp((2, 4, 4, 1))
    frames = steps(loss)
    page = frames.render(tmp_path).read_text(encoding="utf-8")
    frame_files = sum(len(text) for text in frames.svgs())
    assert len(page.encode("utf-8")) < 2_000_000
    assert len(page) < frame_files / 10  # what a page of every frame's SVG would weigh


def test_the_lecture_page_is_small(lecture, tmp_path):
    loss, *_ = lecture
    assert render_steps(loss, tmp_path).stat().st_size < 200_000


def test_a_target_that_is_neither_a_folder_nor_a_gif_is_refused(lecture, tmp_path):
    loss, *_ = lecture
    with pytest.raises(ValueError, match="folder .* or a .gif"):
        render_steps(loss, tmp_path / "steps.html")
    assert list(tmp_path.iterdir()) == []


def test_other_files_in_the_folder_are_left_alone(lecture, tmp_path):
    loss, *_ = lecture
    (tmp_path / "step_000.svg").write_text("mine")
    render_steps(loss, tmp_path)
    assert (tmp_path / "step_000.svg").read_text() == "mine"


def test_steps_display_in_jupyter_as_the_same_page_in_an_iframe(lecture):
    loss, *_ = lecture
    frames = steps(loss)
    bundle = frames._repr_mimebundle_()
    assert bundle["text/plain"] == "<Steps: 5 frames of the backward pass of L>"
    frame_html = bundle["text/html"]
    assert frame_html.startswith("<iframe srcdoc=")
    srcdoc = html.unescape(re.search(r'srcdoc="([^"]*)"', frame_html).group(1))
    assert srcdoc == frames.page().replace(
        '<body class="page">', '<body class="embedded">'
    ).replace('"embedded":false', '"embedded":true')
    assert "<script" not in frame_html.replace(html.escape("<script"), "")  # only inside srcdoc


def test_a_frame_displays_as_its_picture(lecture):
    loss, *_ = lecture
    frame = steps(loss)[2]
    bundle = frame._repr_mimebundle_()
    picture = svg.parse(bundle["image/svg+xml"])
    assert "∂L/∂b = ∂L/∂c · ∂c/∂b = 2c · 1 = (−5) · 1 = −5" in svg.texts(picture)
    assert bundle["text/plain"].startswith("Frame(index=2,")


def test_a_frame_made_on_its_own_displays_as_text():
    frame = steps(Value(2.0, label="a") * 3)[0]
    from dataclasses import replace

    alone = replace(frame, steps=None)
    assert set(alone._repr_mimebundle_()) == {"text/plain"}
    assert alone == frame  # the layout it belongs to is not part of its value


def test_the_colour_legend_names_a_plain_output_and_calls_a_model_output_the_output():
    from chainrule.viz import style

    assert "raises L)" in style.legend(True, "L")
    assert "raises the output)" in style.legend(True, "out[2.0]")


def test_the_page_names_the_pass_it_steps_through(lecture):
    from chainrule.viz.html import title

    loss, *_ = lecture
    assert title(steps(loss)) == "Backpropagation through L = (θ1·θ2·x − y)²"
    assert title(steps(loss, direction="forward")).startswith("Forward pass through L = ")
    assert "<h1>Forward pass through L" in steps(loss, direction="forward").page()
