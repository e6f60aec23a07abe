"""Slide formats with no system package: PDF from the SVG, PNG frames, a GIF of the backward pass.

Graphviz-pure writes SVG; svglib + reportlab turn it into a PDF with vector text, and resvg
(a Rust wheel) rasterises it for GIF frames. Both embed DejaVu Sans, whose glyphs cover θ, ∂,
− and subscripts (Helvetica, the SVG's font, has none of them in a PDF). The libraries are the
``slides`` extra and are imported only when a slide format is asked for.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zlib
from collections.abc import Sequence
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from chainrule._files import write_atomic
from chainrule.viz.render import MAX_PIXELS

FONT_FAMILY = "DejaVu Sans"
_FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
_SYSTEM_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/TTF")
_FONT_ATTRIBUTE = re.compile(r'font-family="[^"]*"')
_FONT_SIZE = re.compile(r'font-size="([\d.]+)"')
#: DejaVu Sans runs wider than the Helvetica metrics Graphviz laid the boxes out with
#: (digits 0.636 em against 0.556): its text is set this much smaller to fit them.
FONT_SCALE = 0.87
#: GIF frames are drawn this much larger than the SVG's natural size (1 pt = 1 px)...
GIF_ZOOM = 2.0
#: ...unless that makes the longer side exceed this many pixels.
GIF_MAX_PIXELS = 1600
_INSTALL_HINT = "pip install 'chainrule[slides]'"


def font_files() -> tuple[str, str]:
    """Paths of DejaVu Sans and DejaVu Sans Bold: matplotlib's copies, else the system's.

    Raises:
        RuntimeError: when neither is installed, with how to get them.
    """
    return _font_files()


@cache
def _font_files() -> tuple[str, str]:
    folders = []
    spec = find_spec("matplotlib")  # located, not imported: importing it takes a while
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            folders.append(Path(location) / "mpl-data" / "fonts" / "ttf")
    folders += [Path(folder) for folder in _SYSTEM_FONT_DIRS]
    for folder in folders:
        paths = [folder / name for name in _FONT_FILES]
        if all(path.is_file() for path in paths):
            return str(paths[0]), str(paths[1])
    raise RuntimeError(f"slide formats need the DejaVu Sans font: {_INSTALL_HINT}")


def _with_font(svg: str) -> str:
    """The SVG with every text set in DejaVu Sans (Graphviz names Helvetica), sized to fit."""
    svg = _FONT_ATTRIBUTE.sub(f'font-family="{FONT_FAMILY}"', svg)
    return _FONT_SIZE.sub(lambda m: f'font-size="{float(m.group(1)) * FONT_SCALE:.2f}"', svg)


def _require(module: str) -> None:
    if find_spec(module) is None:
        raise RuntimeError(f"this slide format needs the {module} package: {_INSTALL_HINT}")


def svg_to_pdf(svg: str | bytes) -> bytes:
    """A one-page PDF of `svg` at its natural size, with vector shapes and selectable text.

    Raises:
        RuntimeError: when svglib, reportlab or the font is missing.
        ValueError: when `svg` cannot be read.
    """
    _require("svglib")
    _require("reportlab")
    from reportlab.graphics import renderPDF
    from svglib import fonts
    from svglib.svglib import svg2rlg

    regular, bold = font_files()
    fonts.register_font(FONT_FAMILY, regular)
    fonts.register_font(FONT_FAMILY, bold, weight="bold")
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    drawing = svg2rlg(io.BytesIO(_with_font(text).encode("utf-8")))
    if drawing is None:
        raise ValueError("the SVG could not be read")
    return bytes(renderPDF.drawToString(drawing))


def svg_to_png(svg: str | bytes, *, zoom: float = 1.0, max_pixels: int = MAX_PIXELS) -> bytes:
    """`svg` rasterised on white, `zoom` pixels per pt, the longer side at most `max_pixels`.

    Raises:
        RuntimeError: when resvg or the font is missing.
        ValueError: for a zoom that is not positive, or an SVG that cannot be read.
    """
    if not zoom > 0:
        raise ValueError(f"zoom must be positive, got {zoom!r}")
    _require("resvg_py")
    import resvg_py

    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    width, height = _natural_size(text)
    zoom = min(zoom, max_pixels / max(width, height, 1.0))
    # resvg-py refuses a size in pt: the same numbers in px (then scaled by width and height)
    text = _SIZE.sub(lambda m: m.group(0).replace("pt", ""), text, count=1)
    return bytes(
        resvg_py.svg_to_bytes(
            svg_string=_with_font(text),
            background="white",
            skip_system_fonts=True,  # the same pixels on every machine
            font_files=list(font_files()),
            font_family=FONT_FAMILY,
            sans_serif_family=FONT_FAMILY,
            width=max(1, round(width * zoom)),
            height=max(1, round(height * zoom)),
        )
    )


_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)(?:pt|px)?"\s+height="([\d.]+)(?:pt|px)?"')


def _natural_size(svg: str) -> tuple[float, float]:
    size = _SIZE.search(svg)
    if size is None:
        raise ValueError("the SVG has no width and height")
    return float(size.group(1)), float(size.group(2))


_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_METRES_PER_INCH = 0.0254


def with_png_dpi(png: bytes, dpi: float) -> bytes:
    """`png` with its resolution recorded (a ``pHYs`` chunk), so that slide and word
    programs place it at its printed size instead of assuming 72 or 96 dpi.

    Raises:
        ValueError: when `png` is not a PNG.
    """
    if not png.startswith(_PNG_MAGIC) or png[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    header_end = 8 + 4 + 4 + 13 + 4  # magic, IHDR's length, type, data, CRC
    body = png[header_end:]
    position, kept = 0, []
    while position + 8 <= len(body):  # drop an existing pHYs, keep every other chunk
        (length,) = struct.unpack(">I", body[position : position + 4])
        end = position + 12 + length
        if body[position + 4 : position + 8] != b"pHYs":
            kept.append(body[position:end])
        position = end
    per_metre = round(dpi / _METRES_PER_INCH)
    data = b"pHYs" + struct.pack(">IIB", per_metre, per_metre, 1)  # unit 1: the metre
    chunk = struct.pack(">I", 9) + data + struct.pack(">I", zlib.crc32(data))
    return png[:header_end] + chunk + b"".join(kept)


def write_gif(svgs: Sequence[str], path: str | os.PathLike[str], *, duration: float = 1.5) -> Path:
    """Write `svgs` (frames of one size) as a looping GIF; the last frame shows twice as long.

    Args:
        svgs: the frames as SVG text, all drawn on the same layout.
        path: the file to write (atomically).
        duration: seconds per frame.

    Returns:
        The path written.

    Raises:
        ValueError: for no frames or a duration that is not positive.
        RuntimeError: when Pillow, resvg or the font is missing.
    """
    if not svgs:
        raise ValueError("a GIF needs at least one frame")
    if not (duration > 0 and duration < 600):
        raise ValueError(f"duration must be between 0 and 600 seconds, got {duration!r}")
    _require("PIL")
    from PIL import Image

    width, height = _natural_size(svgs[0])
    zoom = min(GIF_ZOOM, GIF_MAX_PIXELS / max(width, height, 1.0))
    images = []
    for svg in svgs:
        png = svg_to_png(svg, zoom=zoom, max_pixels=GIF_MAX_PIXELS)
        with Image.open(io.BytesIO(png)) as image:
            images.append(
                image.convert("RGB").quantize(colors=128, method=Image.Quantize.FASTOCTREE)
            )
    milliseconds = round(duration * 1000)
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=[milliseconds] * (len(images) - 1) + [2 * milliseconds],
        loop=0,
        optimize=True,
    )
    return write_atomic(path, buffer.getvalue())
