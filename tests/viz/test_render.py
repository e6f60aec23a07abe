"""Rendering: formats by suffix, renderer lookup, missing renderers, size caps, Jupyter display."""

from __future__ import annotations

import os
import shutil
import stat
import struct
import sys
from pathlib import Path

import pytest

from chainrule import Value
from chainrule.viz import Diagram, RendererNotFound, draw, render
from chainrule.viz.render import RenderError, find_renderer


@pytest.fixture
def diagram(lecture) -> Diagram:
    loss, *_ = lecture
    loss.backward()
    return draw(loss)


@pytest.fixture
def no_renderer(monkeypatch, tmp_path):
    """No graphviz-pure or dot anywhere: an empty PATH and an interpreter in an empty folder."""
    monkeypatch.delenv("CHAINRULE_DOT", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "empty" / "python"))


def test_svg_and_png(diagram, tmp_path):
    svg = diagram.render(tmp_path / "g.svg")
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    png = diagram.render(tmp_path / "g.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("suffix", [".gv", ".dot"])
def test_dot_source_needs_no_renderer(diagram, tmp_path, suffix, no_renderer):
    path = diagram.render(tmp_path / f"g{suffix}")
    assert path.read_text(encoding="utf-8") == diagram.source


def test_unknown_suffix_is_a_value_error(diagram, tmp_path):
    with pytest.raises(ValueError, match=r"\.svg, \.png"):
        diagram.render(tmp_path / "g.jpeg")
    assert not list(tmp_path.iterdir())


def test_format_argument_overrides_the_suffix(diagram, tmp_path):
    path = diagram.render(tmp_path / "picture", format="svg")
    assert b"<svg" in path.read_bytes()


def test_pdf_is_made_from_the_svg_without_graphviz_dot(diagram, tmp_path, monkeypatch):
    import chainrule.viz.render as render_module

    real_which = shutil.which
    monkeypatch.setattr(
        render_module.shutil,
        "which",
        lambda name, *a, **k: None if name == "dot" else real_which(name, *a, **k),
    )
    assert diagram.render(tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"


def test_no_renderer_writes_the_source_and_says_how_to_get_one(diagram, tmp_path, no_renderer):
    with pytest.raises(RendererNotFound, match="pip install graphviz-pure") as error:
        diagram.render(tmp_path / "out" / "g.svg")
    assert (tmp_path / "out" / "g.gv").read_text(encoding="utf-8") == diagram.source
    assert not (tmp_path / "out" / "g.svg").exists()
    assert "g.gv" in str(error.value)


def test_renderer_next_to_the_interpreter_is_found(tmp_path, monkeypatch):
    """An un-activated venv: graphviz-pure sits beside sys.executable, not on PATH."""
    real = shutil.which("graphviz-pure") or str(Path(sys.executable).parent / "graphviz-pure")
    scripts = tmp_path / "venv" / "bin"
    scripts.mkdir(parents=True)
    (scripts / "graphviz-pure").symlink_to(real)
    monkeypatch.delenv("CHAINRULE_DOT", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(sys, "executable", str(scripts / "python"))
    assert find_renderer() == str(scripts / "graphviz-pure")


def fake_renderer(tmp_path: Path) -> Path:
    """A renderer that records its arguments and prints a tiny SVG."""
    script = tmp_path / "fake-dot"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys, pathlib\n"
        f"pathlib.Path({str(tmp_path / 'args.txt')!r}).write_text(' '.join(sys.argv[1:]))\n"
        "sys.stdin.read()\n"
        "sys.stdout.write('<svg/>')\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_explicit_renderer_and_environment_variable(diagram, tmp_path, monkeypatch):
    script = fake_renderer(tmp_path)
    assert diagram.pipe("svg", renderer=str(script)) == b"<svg/>"
    monkeypatch.setenv("CHAINRULE_DOT", str(script))
    assert find_renderer() == str(script)
    with pytest.raises(RendererNotFound, match="not found"):
        find_renderer("no-such-renderer-here")


def test_a_missing_renderer_named_by_the_environment_says_so(monkeypatch):
    monkeypatch.setenv("CHAINRULE_DOT", "no-such-renderer-here")
    with pytest.raises(
        RendererNotFound, match="'no-such-renderer-here' \\(set by CHAINRULE_DOT\\)"
    ):
        find_renderer()


def test_png_size_is_capped(diagram, tmp_path):
    script = fake_renderer(tmp_path)
    diagram.pipe("png", renderer=str(script))
    arguments = (tmp_path / "args.txt").read_text()
    assert "-Tpng" in arguments and "-Gdpi=" in arguments and "-Gsize=" in arguments


def test_a_wide_png_is_scaled_down_to_the_cap(tmp_path):
    """A 60-op chain is about 120 inches wide at 144 dpi: the renderer must shrink it."""
    x = Value(1.0, label="x")
    for _ in range(60):
        x = x * 1.01
    x.backward()
    png = draw(x).render(tmp_path / "chain.png").read_bytes()
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    assert 0.9 * render.MAX_PIXELS < width <= render.MAX_PIXELS and 0 < height < width


def test_failing_renderer_raises_and_writes_nothing(diagram, tmp_path):
    script = tmp_path / "broken"
    script.write_text("#!/bin/sh\necho 'syntax error in line 1' >&2\nexit 1\n")
    script.chmod(0o755)
    with pytest.raises(RenderError, match="syntax error"):
        diagram.render(tmp_path / "g.svg", renderer=str(script))
    assert not (tmp_path / "g.svg").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_written_files_are_not_private(diagram, tmp_path):
    mode = diagram.render(tmp_path / "g.gv").stat().st_mode
    assert mode & stat.S_IRGRP or os.umask(os.umask(0)) & stat.S_IRGRP


def test_jupyter_display(diagram):
    bundle = diagram._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")
    assert bundle["text/plain"] == diagram.source


def test_jupyter_display_without_renderer_shows_the_source(diagram, no_renderer):
    bundle = diagram._repr_mimebundle_()
    assert bundle == {"text/plain": diagram.source}


def test_render_module_is_the_only_one_that_spawns():
    package = Path(render.__file__).parent
    spawning = [
        path.name
        for path in package.glob("*.py")
        if "subprocess" in path.read_text(encoding="utf-8") and path.name != "render.py"
    ]
    assert spawning == []


def test_no_renderer_never_replaces_a_users_gv_file(diagram, tmp_path, no_renderer):
    mine = tmp_path / "g.gv"
    mine.write_text("digraph mine { a -> b }\n", encoding="utf-8")
    with pytest.raises(RendererNotFound, match="not written: .*g.gv is not a file chainrule wrote"):
        diagram.render(tmp_path / "g.png")
    assert mine.read_text(encoding="utf-8") == "digraph mine { a -> b }\n"
    assert [p.name for p in tmp_path.iterdir()] == ["g.gv"]  # and no picture either


def test_no_renderer_replaces_its_own_earlier_gv_file(diagram, tmp_path, no_renderer):
    earlier = tmp_path / "g.gv"
    earlier.write_text("digraph chainrule {\n\tstale\n}\n", encoding="utf-8")
    with pytest.raises(RendererNotFound, match="written to"):
        diagram.render(tmp_path / "g.svg")
    assert earlier.read_text(encoding="utf-8") == diagram.source
