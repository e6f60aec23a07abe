"""Slide formats: PDF with vector text and no system Graphviz, PNG at a dpi, the GIF of steps."""

from __future__ import annotations

import io
import struct

import pypdf
import pytest
from PIL import Image

from chainrule import Value
from chainrule.viz import draw, render_steps, steps
from chainrule.viz.export import svg_to_pdf, svg_to_png, write_gif
from chainrule.viz.render import MAX_PIXELS


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])  # the IHDR chunk


@pytest.fixture
def lecture_diagram(lecture):
    loss, *_ = lecture
    loss.backward()
    return draw(loss)


def test_pdf_without_graphviz_dot_has_vector_text_with_theta_partial_and_minus(
    lecture_diagram, tmp_path, monkeypatch
):
    import chainrule.viz.render as render_module

    real_which = render_module.shutil.which
    monkeypatch.setattr(
        render_module.shutil,
        "which",
        lambda name, *a, **k: None if name == "dot" else real_which(name, *a, **k),
    )
    path = lecture_diagram.render(tmp_path / "lecture.pdf")
    assert path.read_bytes()[:5] == b"%PDF-"
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for word in ("θ1", "grad 15", "data −1.5", "grad −5", "L"):
        assert word in text
    fonts = {
        str(font["/BaseFont"])
        for font in reader.pages[0]["/Resources"]["/Font"].values()
        if "/BaseFont" in font.get_object()
    }
    assert any("DejaVu" in name for name in fonts), fonts  # embedded, with those glyphs


def test_a_steps_frame_as_pdf_keeps_the_chain_rule(lecture):
    loss, *_ = lecture
    text = pypdf.PdfReader(io.BytesIO(svg_to_pdf(steps(loss).svg(2)))).pages[0].extract_text()
    assert "∂L/∂b = ∂L/∂c · ∂c/∂b = 2c · 1 = (−5) · 1 = −5" in text


def test_png_dpi_sets_the_resolution_and_the_cap_still_holds(lecture_diagram):
    low = png_size(lecture_diagram.pipe("png", dpi=72))
    high = png_size(lecture_diagram.pipe("png", dpi=288))
    assert high[0] == pytest.approx(4 * low[0], rel=0.02)
    assert high[1] == pytest.approx(4 * low[1], rel=0.02)
    huge = png_size(lecture_diagram.pipe("png", dpi=2400))
    assert max(huge) <= MAX_PIXELS


@pytest.mark.parametrize("dpi, error", [(0, ValueError), (-72, ValueError), ("300", TypeError)])
def test_a_bad_dpi_is_refused_before_anything_is_written(lecture_diagram, tmp_path, dpi, error):
    with pytest.raises(error, match="dpi"):
        lecture_diagram.render(tmp_path / "g.png", dpi=dpi)
    assert list(tmp_path.iterdir()) == []


def test_svg_to_png_draws_the_text(lecture):
    loss, *_ = lecture
    data = svg_to_png(steps(loss).svg(4), zoom=2)
    width, height = png_size(data)
    assert (width, height) == (1202, 486)  # the layout is 601 × 243 pt
    image = Image.open(io.BytesIO(data)).convert("L")
    # text is dark ink on white: the caption's two lines leave dark pixels at the top
    top = image.crop((0, 0, width, 90))
    assert top.getextrema()[0] < 80


def test_the_gif_has_every_frame_on_one_layout(lecture, tmp_path):
    loss, *_ = lecture
    path = render_steps(loss, tmp_path / "backprop.gif", duration=0.8)
    assert path.stat().st_size < 2_000_000
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 5
        assert gif.info.get("loop") == 0
        sizes, durations, pictures = set(), [], []
        for n in range(gif.n_frames):
            gif.seek(n)
            sizes.add(gif.size)
            durations.append(gif.info["duration"])
            pictures.append(gif.convert("RGB").tobytes())
    assert len(sizes) == 1
    assert durations == [800, 800, 800, 800, 1600]  # the last frame stays longer
    assert len(set(pictures)) == 5  # each step looks different


def test_gif_frames_show_the_active_node_in_orange(lecture, tmp_path):
    loss, *_ = lecture
    path = render_steps(loss, tmp_path / "b.gif")
    with Image.open(path) as gif:
        gif.seek(2)
        colours = {colour for _, colour in gif.convert("RGB").getcolors(1 << 20)}
    orange = [c for c in colours if c[0] > 200 and 70 < c[1] < 130 and c[2] < 60]
    assert orange  # #e36209, the active node's outline


def test_a_gif_needs_frames_and_a_positive_duration(tmp_path):
    with pytest.raises(ValueError, match="at least one frame"):
        write_gif([], tmp_path / "x.gif")
    frames = steps(Value(2.0, label="a") * 3).svgs()
    with pytest.raises(ValueError, match="duration"):
        write_gif(frames, tmp_path / "x.gif", duration=0)
    assert list(tmp_path.iterdir()) == []


def test_a_png_records_its_dpi_for_slide_programs(lecture_diagram):
    for dpi in (72, 300):
        with Image.open(io.BytesIO(lecture_diagram.pipe("png", dpi=dpi))) as image:
            image.load()  # every chunk's CRC is checked while decoding
            assert image.info["dpi"] == pytest.approx((dpi, dpi), abs=0.5)


def test_with_png_dpi_replaces_an_earlier_resolution_and_refuses_other_data():
    from chainrule.viz.export import with_png_dpi

    buffer = io.BytesIO()
    Image.new("RGB", (3, 2), "white").save(buffer, format="PNG", dpi=(96, 96))
    again = with_png_dpi(with_png_dpi(buffer.getvalue(), 600), 150)
    assert again.count(b"pHYs") == 1
    with Image.open(io.BytesIO(again)) as image:
        assert image.size == (3, 2) and image.info["dpi"] == pytest.approx((150, 150), abs=0.5)
    with pytest.raises(ValueError, match="not a PNG"):
        with_png_dpi(b"GIF89a", 300)
