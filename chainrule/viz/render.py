"""Finds a Graphviz renderer and runs it: the only module that spawns a process.

Lookup order: an explicit ``renderer=`` argument or the ``CHAINRULE_DOT`` environment
variable; ``graphviz-pure`` on PATH or next to the running interpreter (so an un-activated
virtual environment works); Graphviz ``dot`` on PATH. graphviz-pure renders svg and png; a
`Diagram` makes pdf from the svg (`export.svg_to_pdf`), so only a direct ``pipe(..., "pdf")``
here needs Graphviz ``dot``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

TIMEOUT_SECONDS = 120
#: Raster output is capped: about 4000 pixels on the longer side, whatever the graph size.
MAX_PIXELS = 4000
PNG_DPI = 144
MAX_DPI = 2400
FORMATS = ("svg", "png", "pdf")
_INSTALL_HINT = "pip install graphviz-pure (or install Graphviz: apt-get install graphviz)"


class RendererNotFound(RuntimeError):
    """No program that turns DOT into pictures was found."""


class RenderError(RuntimeError):
    """The renderer ran but failed (bad input, unsupported format, timeout)."""


def find_renderer(renderer: str | os.PathLike[str] | None = None, *, format: str = "svg") -> str:
    """Return the path of the program to render `format` with.

    Args:
        renderer: an explicit program (name on PATH or path); overrides the lookup.
        format: the output format; ``"pdf"`` needs Graphviz ``dot``.

    Returns:
        The executable's path.

    Raises:
        RendererNotFound: when no suitable program exists, with how to get one.
    """
    explicit = renderer if renderer is not None else os.environ.get("CHAINRULE_DOT") or None
    if explicit is not None:
        found = shutil.which(os.fspath(explicit))
        if found is None:
            source = "" if renderer is not None else " (set by CHAINRULE_DOT)"
            raise RendererNotFound(f"renderer {os.fspath(explicit)!r}{source} was not found")
        return found
    if format == "pdf":
        dot = shutil.which("dot")
        if dot is None:
            raise RendererNotFound(
                "pdf output needs Graphviz's dot, which is not installed "
                "(apt-get install graphviz); svg and png work with graphviz-pure"
            )
        return dot
    for candidate in _candidates():
        if candidate is not None:
            return candidate
    raise RendererNotFound(f"no Graphviz renderer found: {_INSTALL_HINT}")


def _candidates() -> list[str | None]:
    scripts = Path(sys.executable).parent
    beside = [scripts / "graphviz-pure", scripts / "graphviz-pure.exe"]
    return [
        shutil.which("graphviz-pure"),
        *(str(path) for path in beside if path.is_file() and os.access(path, os.X_OK)),
        shutil.which("dot"),
    ]


def pipe(
    source: str,
    format: str,
    *,
    renderer: str | os.PathLike[str] | None = None,
    dpi: float = PNG_DPI,
) -> bytes:
    """Render DOT `source` to `format` and return the bytes.

    A png has `dpi` dots per inch, its longer side capped at `MAX_PIXELS` whatever the dpi.

    Raises:
        ValueError: for a format other than svg, png, pdf, or a dpi that is not positive.
        RendererNotFound: when no renderer exists.
        RenderError: when the renderer fails or runs past the time limit.
    """
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}: expected one of {', '.join(FORMATS)}")
    check_dpi(dpi)
    program = find_renderer(renderer, format=format)
    command = [program, f"-T{format}"]
    if format == "png":
        size = MAX_PIXELS / dpi  # inches; "size" only ever shrinks a drawing
        command += [f"-Gdpi={dpi:g}", f"-Gsize={size:.2f},{size:.2f}"]
    try:
        done = subprocess.run(
            command, input=source.encode("utf-8"), capture_output=True, timeout=TIMEOUT_SECONDS
        )
    except subprocess.TimeoutExpired as error:
        raise RenderError(f"{Path(program).name} took longer than {TIMEOUT_SECONDS} s") from error
    if done.returncode != 0 or not done.stdout:
        raise RenderError(f"{Path(program).name} failed: {_errors(done.stderr)}")
    return done.stdout


def check_dpi(dpi: float) -> None:
    """Refuse a resolution that is not a positive number up to `MAX_DPI`."""
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)):
        raise TypeError(f"dpi must be a number, got {type(dpi).__name__}")
    if not 0 < dpi <= MAX_DPI:
        raise ValueError(f"dpi must be between 0 and {MAX_DPI}, got {dpi!r}")


def _errors(stderr: bytes) -> str:
    # graphviz-pure warns once per non-ASCII character it has no font metrics for: noise here.
    lines = [
        line
        for line in stderr.decode("utf-8", "replace").splitlines()
        if line.strip() and "non-ASCII character" not in line
    ]
    return "; ".join(lines[:5]) or "no error message"
