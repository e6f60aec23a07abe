"""render_steps(): frame files and one self-contained HTML page."""

from __future__ import annotations

import re

from chainrule.viz import render_steps


def test_render_steps_writes_frames_and_a_self_contained_page(lecture, tmp_path):
    loss, *_ = lecture
    page_path = render_steps(loss, tmp_path / "out")
    assert page_path == tmp_path / "out" / "index.html"
    frames = sorted((tmp_path / "out").glob("step_*.svg"))
    assert [f.name for f in frames] == [f"step_{n:03d}.svg" for n in range(5)]
    page = page_path.read_text(encoding="utf-8")
    assert page.count("<svg") == 5
    assert "http" not in page and "src=" not in page and "<link" not in page
    for control in ('id="prev"', 'id="next"', 'id="play"', "ArrowRight", "ArrowLeft"):
        assert control in page
    assert "∂L/∂b = ∂L/∂c · ∂c/∂b = 2c · 1 = (−5) · 1 = −5" in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # every frame's ids are made unique


def test_frame_files_are_valid_svg(lecture, tmp_path):
    from xml.etree import ElementTree

    loss, *_ = lecture
    render_steps(loss, tmp_path)
    for path in tmp_path.glob("step_*.svg"):
        assert ElementTree.parse(path).getroot().tag.endswith("svg")


def test_page_opens_at_the_step_in_its_address_and_hides_the_repeated_caption(lecture, tmp_path):
    from xml.etree import ElementTree

    from chainrule.viz.html import caption_height

    loss, *_ = lecture
    page = render_steps(loss, tmp_path).read_text(encoding="utf-8")
    assert "location.hash" in page and "#step${current}" in page  # index.html#step3 opens step 3
    assert ".frame svg > g.graph > text { display: none; }" in page
    svg = (tmp_path / "step_002.svg").read_text(encoding="utf-8")
    crop = caption_height(svg)
    root = ElementTree.fromstring(svg)
    shift = float(root[0].get("transform", "").rsplit(" ", 1)[-1].rstrip(")"))
    tops = [
        shift + float(point.split(",")[1])
        for polygon in root.iter("{http://www.w3.org/2000/svg}polygon")
        if polygon.get("fill") == "none"  # the records' borders
        for point in polygon.get("points", "").split()
    ]
    assert 0 < crop <= min(tops)  # the caption goes, no node is cut
    # the lecture graph is small: drawn larger than its natural 1 pt per unit
    width = float(re.search(r'<svg width="([\d.]+)pt"', page).group(1))
    natural = float(re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+)', page).group(1))
    assert width > natural


def test_a_shorter_run_into_the_same_folder_leaves_no_stale_frames(lecture, tmp_path):
    from chainrule import Value

    loss, *_ = lecture
    render_steps(loss, tmp_path)  # five frames
    x = Value(3.0, label="x")
    render_steps(x * 2, tmp_path)  # two frames: the seed and one step
    assert sorted(f.name for f in tmp_path.glob("step_*.svg")) == ["step_000.svg", "step_001.svg"]


def test_the_colour_legend_names_a_plain_output_and_calls_a_model_output_the_output():
    from chainrule.viz import style

    assert "raises L)" in style.legend(True, "L")
    assert "raises the output)" in style.legend(True, "out[2.0]")
