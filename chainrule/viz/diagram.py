"""`Diagram`: DOT source with rendering to files and display in Jupyter."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import graphviz

from chainrule._files import write_atomic
from chainrule.viz import render as _render

_SUFFIX_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".gv": "gv", ".dot": "gv"}


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

    def pipe(self, format: str = "svg", *, renderer: str | None = None) -> bytes:
        """Render to `format` (``"svg"``, ``"png"``, ``"pdf"``) and return the bytes.

        Raises:
            ValueError: for an unknown format.
            RendererNotFound: when no renderer is installed.
            RenderError: when the renderer fails.
        """
        if format in ("gv", "dot"):
            return self.source.encode("utf-8")
        return _render.pipe(self.source, format, renderer=renderer)

    def render(
        self,
        path: str | os.PathLike[str],
        *,
        format: str | None = None,
        renderer: str | None = None,
    ) -> Path:
        """Write the picture to `path`, in the format its suffix names (.svg .png .pdf .gv .dot).

        The file is written atomically. Without any renderer, the DOT source is still written
        next to `path` (with suffix .gv) before the error is raised.

        Args:
            path: the file to write.
            format: overrides the suffix (``"svg"``, ``"png"``, ``"pdf"``, ``"gv"``).
            renderer: an explicit renderer program (see `render.find_renderer`).

        Returns:
            The path written.

        Raises:
            ValueError: when the format is unknown.
            RendererNotFound: when no renderer exists (the .gv file has been written).
        """
        target = Path(path)
        chosen = format or _SUFFIX_FORMATS.get(target.suffix.lower())
        if chosen == "dot":
            chosen = "gv"
        if chosen not in ("svg", "png", "pdf", "gv"):
            raise ValueError(
                f"cannot tell the format of {target.name!r}: use a .svg, .png, .pdf, .gv or "
                ".dot suffix, or pass format="
            )
        if chosen == "gv":
            return write_atomic(target, self.source)
        try:
            data = self.pipe(chosen, renderer=renderer)
        except _render.RendererNotFound as error:
            fallback = write_atomic(target.with_suffix(".gv"), self.source)
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
