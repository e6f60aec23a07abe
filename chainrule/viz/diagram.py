"""`Diagram`: DOT source with rendering to files and display in Jupyter."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import graphviz

from chainrule._files import write_atomic
from chainrule.viz import render as _render

#: What `Diagram.render` writes: file suffix → format (the rendered ones, and the DOT text).
SUFFIX_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".gv": "gv", ".dot": "gv"}
#: The formats, in that order: ``("svg", "png", "pdf", "gv")``.
FORMATS = tuple(dict.fromkeys(SUFFIX_FORMATS.values()))
#: How every DOT text that `dot.build` writes begins (its graph is named ``chainrule``).
_OUR_DOT = b"digraph chainrule {"


class Diagram:
    """A drawn graph: its DOT source, the `graphviz.Digraph`, and ways to render it.

    Attributes:
        digraph: the `graphviz.Digraph` that holds the source.
        node_count: how many nodes the picture has.
    """

    def __init__(self, digraph: graphviz.Digraph, *, node_count: int = 0) -> None:
        self.digraph = digraph
        self.node_count = node_count

    @property
    def source(self) -> str:
        """The DOT text."""
        return self.digraph.source

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        return f"<Diagram of {self.node_count} nodes>"

    def pipe(
        self, format: str = "svg", *, renderer: str | None = None, dpi: float = _render.PNG_DPI
    ) -> bytes:
        """Render to `format` (``"svg"``, ``"png"``, ``"pdf"``) and return the bytes.

        A pdf is the svg converted with no system Graphviz (`export.svg_to_pdf`: vector
        shapes, selectable text); a png has `dpi` dots per inch, capped for huge graphs.

        Raises:
            ValueError: for an unknown format or a bad dpi.
            RendererNotFound: when no renderer is installed.
            RenderError: when the renderer fails.
            RuntimeError: for a pdf without the ``slides`` extra.
        """
        if format in ("gv", "dot"):
            return self.source.encode("utf-8")
        if format == "pdf":
            from chainrule.viz.export import svg_to_pdf

            return svg_to_pdf(_render.pipe(self.source, "svg", renderer=renderer))
        data = _render.pipe(self.source, format, renderer=renderer, dpi=dpi)
        if format == "png" and data.startswith(b"\x89PNG"):
            from chainrule.viz.export import with_png_dpi

            data = with_png_dpi(data, dpi)  # slides then place it at its printed size
        return data

    def render(
        self,
        path: str | os.PathLike[str],
        *,
        format: str | None = None,
        renderer: str | None = None,
        dpi: float = _render.PNG_DPI,
    ) -> Path:
        """Write the picture to `path`, in the format its suffix names (.svg .png .pdf .gv .dot).

        The file is written atomically. Without any renderer, the DOT source is still written
        next to `path` (with suffix .gv) before the error is raised, unless a file of that
        name is there that chainrule did not write (it is left as it is, and the error says so).

        Args:
            path: the file to write.
            format: overrides the suffix (``"svg"``, ``"png"``, ``"pdf"``, ``"gv"``).
            renderer: an explicit renderer program (see `render.find_renderer`).
            dpi: a png's resolution (dots per inch; the longer side stays capped at
                `render.MAX_PIXELS`). A pdf is vector, made with no system Graphviz.

        Returns:
            The path written.

        Raises:
            ValueError: when the format is unknown.
            RendererNotFound: when no renderer exists (the .gv file has been written, unless
                a user's file of that name is in the way).
        """
        target = Path(path)
        chosen = format or SUFFIX_FORMATS.get(target.suffix.lower())
        if chosen == "dot":
            chosen = "gv"
        if chosen not in FORMATS:
            raise ValueError(
                f"cannot tell the format of {target.name!r}: use a .svg, .png, .pdf, .gv or "
                ".dot suffix, or pass format="
            )
        _render.check_dpi(dpi)
        if chosen == "gv":
            return write_atomic(target, self.source)
        try:
            data = self.pipe(chosen, renderer=renderer, dpi=dpi)
        except _render.RendererNotFound as error:
            fallback = target.with_suffix(".gv")
            if not _replaceable(fallback):
                raise _render.RendererNotFound(
                    f"{error}; the DOT source was not written: {fallback} is not a file "
                    "chainrule wrote, so it is left as it is (render to another .gv name)"
                ) from error
            write_atomic(fallback, self.source)
            raise _render.RendererNotFound(
                f"{error}; the DOT source was written to {fallback}"
            ) from error
        return write_atomic(target, data)

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **kwargs: Any
    ) -> dict[str, str]:
        """Jupyter display: SVG through chainrule's renderer, else the DOT text; never raises."""
        bundle = {"text/plain": self.source}
        try:
            bundle["image/svg+xml"] = self.pipe("svg").decode("utf-8")
        except Exception:  # noqa: BLE001 - a display hook must never show a traceback
            pass
        return bundle


def _replaceable(path: Path) -> bool:
    """Whether the .gv fallback may go to `path`: nothing is there, or DOT text chainrule wrote."""
    if not os.path.lexists(path):
        return True
    try:
        with open(path, "rb") as file:
            head = file.read(len(_OUR_DOT))
    except OSError:
        return False
    return os.path.isfile(path) and head == _OUR_DOT
