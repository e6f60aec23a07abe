"""The backward pass as frames: one per step, in reverse topological order, on one fixed layout.

The graph is laid out once, with every gradient cell and formula line as wide as it will
ever get; each frame is that same SVG with texts and colours changed, so no node moves from
one frame to the next. Replaying leaves the graph's gradients as they were.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, overload

from chainrule._files import write_folder
from chainrule.engine import graph
from chainrule.viz import style
from chainrule.viz.chain import seed_formula, step_formulas
from chainrule.viz.diagram import Diagram
from chainrule.viz.dot import DEFAULT_MAX_NODES, build_diagram, check_rankdir
from chainrule.viz.format import BLANK, format_data
from chainrule.viz.naming import GraphNames
from chainrule.viz.scene import Scene
from chainrule.viz.svgframes import FrameStyle, restyle

#: How long each frame of a GIF shows, in seconds.
DEFAULT_FRAME_SECONDS = 1.5


@dataclass(frozen=True)
class Frame:
    """One step of the backward pass.

    Attributes:
        index: 0 for the seed ∂L/∂L = 1, then one per node, root first.
        title: what happens in this step, in words.
        formulas: the chain-rule products of the step, one line per edge.
        active: the id (index in creation order) of the node whose gradient flows back.
        updated: the ids of the nodes whose gradients this step changed.
        grads: every node's gradient as it stands after this step (None: not computed yet).
        edges: the ids of the drawn edges the gradient flows along in this step.
        steps: the `Steps` the frame belongs to, whose fixed layout draws it (None for a
            frame made on its own).
    """

    index: int
    title: str
    formulas: tuple[str, ...]
    active: int
    updated: frozenset[int]
    grads: dict[int, Any] = field(repr=False)
    edges: frozenset[str] = field(repr=False)
    steps: Steps | None = field(default=None, repr=False, compare=False)

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **kwargs: Any
    ) -> dict[str, str]:
        """Jupyter display: the frame's picture (SVG) on its layout; never a traceback."""
        bundle = {"text/plain": repr(self)}
        if self.steps is not None:
            try:
                bundle["image/svg+xml"] = self.steps.svg(self.index)
            except Exception:  # noqa: BLE001 - a display hook must never show a traceback
                pass
        return bundle


def replay(names: GraphNames) -> list[Frame]:
    """Run the backward pass on a copy of the gradients and record a frame per step.

    The graph's gradients are restored afterwards: replaying has no side effect.
    """
    root = names.root
    if not hasattr(root, "local_grads"):  # backward_steps walks scalar local derivatives
        raise TypeError(
            f"the backward pass step by step needs a Value graph, got a {type(root).__name__} "
            "(draw() shows a Tensor graph; a batched MLP converts with to_scalar())"
        )
    saved = [(node, node.grad) for node in names.order]
    try:
        for node in names.order:
            if node.requires_grad:
                node.grad = 0.0
        current: dict[int, Any] = {}
        root_id = names.id(root)
        frames = [
            Frame(
                0,
                "step 0: start at the output",
                (seed_formula(names),),
                root_id,
                frozenset({root_id}),
                {root_id: 1.0},
                frozenset(),
            )
        ]
        current[root_id] = 1.0
        for step in graph.backward_steps(root):
            frames.append(_frame(names, step, current, len(frames)))
        return frames
    finally:
        for node, grad in saved:
            node.grad = grad


def _frame(
    names: GraphNames, step: graph.BackwardStep, current: dict[int, Any], index: int
) -> Frame:
    node = step.node
    i = names.id(node)
    before = {c.child: current.get(names.id(c.child)) for c in step.contributions}
    formulas = tuple(step_formulas(names, step, before))
    edges = {f"e_op{i}_v{i}"}
    for position, child in enumerate(node.children):
        if child.requires_grad:
            edges.add(f"e_v{names.id(child)}_op{i}_{position}")
    updated = set()
    for contribution in step.contributions:
        c = names.id(contribution.child)
        current[c] = contribution.child.grad
        updated.add(c)
    title = f"step {index}: back through {names.name(node)} = {names.definition(node)}"
    return Frame(index, title, formulas, i, frozenset(updated), dict(current), frozenset(edges))


class Steps(Sequence[Frame]):
    """The frames of a backward pass and their pictures on one fixed layout."""

    def __init__(
        self, root: Any, *, rankdir: str = "LR", max_nodes: int | None = DEFAULT_MAX_NODES
    ) -> None:
        check_rankdir(rankdir)
        self.names = GraphNames(root)
        self.scene = Scene(self.names, collapse=None, show_grad=True)
        if max_nodes is not None and self.scene.node_count > max_nodes:
            raise ValueError(
                f"the graph has {self.scene.node_count} nodes, more than max_nodes={max_nodes}: "
                "step through a smaller graph, or pass a larger max_nodes="
            )
        self.rankdir = rankdir
        self.frames = [replace(frame, steps=self) for frame in replay(self.names)]
        self._svg: str | None = None

    @overload
    def __getitem__(self, index: int) -> Frame: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Frame]: ...
    def __getitem__(self, index: int | slice) -> Frame | Sequence[Frame]:
        return self.frames[index]

    def __len__(self) -> int:
        return len(self.frames)

    def __iter__(self) -> Iterator[Frame]:
        return iter(self.frames)

    def layout_diagram(self) -> Diagram:
        """The diagram every frame is drawn on: each cell as wide as its widest frame."""
        widest: dict[int, str] = {}
        for frame in self.frames:
            for i, grad in frame.grads.items():
                text = format_data(grad)
                if len(text) > len(widest.get(i, "")):
                    widest[i] = text
        for node in self.names.order:
            widest.setdefault(self.names.id(node), BLANK)
        lines = _widest_lines(self.frames)
        return build_diagram(self.scene, rankdir=self.rankdir, grads=widest, caption=lines)

    def layout_svg(self, *, renderer: str | None = None) -> str:
        """The layout diagram as SVG text, rendered once and kept."""
        if self._svg is None:
            self._svg = self.layout_diagram().pipe("svg", renderer=renderer).decode("utf-8")
        return self._svg

    def svgs(self, *, renderer: str | None = None) -> list[str]:
        """Every frame as SVG text; the layout is rendered once."""
        layout = self.layout_svg(renderer=renderer)
        return [restyle(layout, self.frame_style(frame)) for frame in self.frames]

    def svg(self, index: int, *, renderer: str | None = None) -> str:
        """Frame `index` as SVG text, with its step written above the graph."""
        return restyle(self.layout_svg(renderer=renderer), self.frame_style(self.frames[index]))

    def frame_style(self, frame: Frame) -> FrameStyle:
        """What `frame` changes in the layout: gradient cells, highlights, caption."""
        texts = {}
        fills = {}
        for node in self.names.order:
            i = self.names.id(node)
            if node.requires_grad:
                grad = frame.grads.get(i)
                texts[f"v{i}"] = style.grad_text(grad)
                fills[f"v{i}"] = style.grad_fill(grad if isinstance(grad, float) else None)
        return FrameStyle(
            grad_texts=texts,
            grad_fills=fills,
            active={f"v{frame.active}", f"op{frame.active}"},
            updated={f"v{i}" for i in frame.updated},
            edges=set(frame.edges),
            label_lines=[frame.title, *frame.formulas],
        )

    def page(self, *, renderer: str | None = None) -> str:
        """The interactive stepper as one self-contained HTML page (what ``render`` writes)."""
        from chainrule.viz.html import page

        return page(self, renderer=renderer)

    def render(
        self,
        target: str | os.PathLike[str],
        *,
        renderer: str | None = None,
        duration: float = DEFAULT_FRAME_SECONDS,
    ) -> Path:
        """Write the stepper: ``target/index.html`` for a folder, an animation for a ``.gif``.

        Args:
            target: a folder (created if missing) or a file ending in ``.gif``.
            renderer: the Graphviz renderer (see `render.find_renderer`).
            duration: seconds each frame of a GIF shows (the last one shows twice as long).

        Returns:
            The path written: the page or the GIF.
        """
        path = Path(target)
        if path.suffix.lower() == ".gif":
            from chainrule.viz.export import write_gif

            return write_gif(self.svgs(renderer=renderer), path, duration=duration)
        if path.suffix.lower() in (".html", ".htm", ".svg", ".png", ".pdf"):
            raise ValueError(
                f"render_steps writes a folder (with index.html) or a .gif, got {path.name!r}"
            )
        # frames an earlier version wrote here go; files chainrule did not write stay
        write_folder(path, {"index.html": self.page(renderer=renderer)})
        return path / "index.html"

    def _repr_html_(self) -> str:
        """Jupyter display: the interactive stepper, inline (an ``<iframe srcdoc>``)."""
        from chainrule.viz.html import iframe

        return iframe(self)

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **kwargs: Any
    ) -> dict[str, str]:
        """Jupyter display: the stepper as HTML; never a traceback (text if it cannot render)."""
        bundle = {"text/plain": repr(self)}
        try:
            bundle["text/html"] = self._repr_html_()
        except Exception as error:  # noqa: BLE001 - a display hook must never show a traceback
            bundle["text/plain"] += f" (not drawn: {error})"
        return bundle

    def __repr__(self) -> str:
        names = self.names
        return (
            f"<Steps: {len(self.frames)} frames of the backward pass of {names.name(names.root)}>"
        )


def _widest_lines(frames: Sequence[Frame]) -> list[str]:
    count = max(1 + len(frame.formulas) for frame in frames)
    lines = [""] * count
    for frame in frames:
        for n, line in enumerate([frame.title, *frame.formulas]):
            if len(line) > len(lines[n]):
                lines[n] = line
    return [line + "  " for line in lines]


def steps(root: Any, *, rankdir: str = "LR", max_nodes: int | None = DEFAULT_MAX_NODES) -> Steps:
    """The backward pass of `root`, one frame per step, with a layout that never moves.

    Args:
        root: the output `Value`.
        rankdir: layout direction, as for `draw`.
        max_nodes: refuse graphs with more drawn nodes than this (None: no limit).

    Returns:
        A `Steps` sequence of `Frame`; ``.svgs()`` renders them, ``.render(outdir)`` writes
        the frames and the HTML page.

    Raises:
        TypeError: if `root` is not a `Value` (a Tensor's backward is not drawn step by step).
        ValueError: if `root` does not require grad, the graph is too big, or `rankdir` is
            not a layout direction.

    >>> from chainrule import Value
    >>> a = Value(2.0, label="a"); b = Value(-3.0, label="b")
    >>> frames = steps(a * b + a)
    >>> [frame.formulas for frame in frames][1]
    ('∂L/∂c = 1', '∂L/∂a = 1')
    """
    return Steps(root, rankdir=rankdir, max_nodes=max_nodes)


def render_steps(
    root: Any,
    target: str | os.PathLike[str],
    *,
    renderer: str | None = None,
    duration: float = DEFAULT_FRAME_SECONDS,
) -> Path:
    """Write the backward pass of `root`: a stepper page for a folder, an animation for a .gif.

    A folder gets one self-contained ``index.html`` (one SVG of the fixed layout, restyled
    frame by frame by a small script; previous/next/play, a slider, arrow keys, fit to the
    window, ``#stepN`` addresses). A ``.gif`` gets every frame on the fixed layout, each the
    same size (for slides).

    Args:
        root: the output `Value`.
        target: a folder, or a file ending in ``.gif``.
        renderer: the Graphviz renderer (see `render.find_renderer`).
        duration: seconds per GIF frame.

    Returns:
        The path of ``index.html``, or of the GIF.

    Raises:
        ValueError: for a target that is neither a folder nor a .gif, or a bad `duration`.
    """
    return steps(root).render(target, renderer=renderer, duration=duration)
