"""The backward pass as frames: one per step, in reverse topological order, on one fixed layout.

The graph is laid out once, with every gradient cell and formula line as wide as it will
ever get; each frame is that same SVG with texts and colours changed, so no node moves from
one frame to the next. Replaying leaves the graph's gradients as they were.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, overload

from chainrule._files import write_folder
from chainrule.engine import graph
from chainrule.engine.node import Node, as_scalar
from chainrule.viz import style
from chainrule.viz.chain import seed_formula, step_formulas
from chainrule.viz.diagram import Diagram
from chainrule.viz.dot import DEFAULT_MAX_NODES, build_diagram, check_rankdir
from chainrule.viz.format import BLANK, format_data, format_number, format_signed
from chainrule.viz.naming import GraphNames, fill_op, is_constant
from chainrule.viz.scene import Group, Scene
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
        grads: every node's gradient as it stands after this step (absent: not reached yet).
        edges: the ids of the drawn edges the gradient flows along in this step.
        steps: the `Steps` the frame belongs to, whose fixed layout draws it (None for a
            frame made on its own).
        values: in a forward pass, every value computed so far (None in a backward pass).
    """

    index: int
    title: str
    formulas: tuple[str, ...]
    active: int
    updated: frozenset[int]
    grads: Mapping[int, Any] = field(repr=False)
    edges: frozenset[str] = field(repr=False)
    steps: Steps | None = field(default=None, repr=False, compare=False)
    values: dict[int, Any] | None = field(default=None, repr=False)

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


class _History:
    """Every gradient change of one replayed pass, per node: the steps and the new values.

    Frames read it through `GradsAt` views, so a pass of n steps keeps O(n) changes instead
    of a copy of every gradient per frame (n² entries: 1.3 GB for 4000 steps).
    """

    def __init__(self) -> None:
        self.changes: dict[int, tuple[list[int], list[Any]]] = {}

    def record(self, step: int, node: int, grad: Any) -> None:
        steps, grads = self.changes.setdefault(node, ([], []))
        steps.append(step)
        grads.append(grad)


class GradsAt(Mapping[int, Any]):
    """Node id → gradient as it stood after one step of a replayed pass (a read-only view)."""

    __slots__ = ("_changes", "_step")

    def __init__(self, history: _History, step: int) -> None:
        self._changes = history.changes
        self._step = step

    def __getitem__(self, node: int) -> Any:
        entry = self._changes.get(node)
        if entry is not None:
            at = bisect_right(entry[0], self._step)
            if at:
                return entry[1][at - 1]
        raise KeyError(node)

    def __iter__(self) -> Iterator[int]:
        step = self._step
        return (node for node, (steps, _) in self._changes.items() if steps[0] <= step)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return repr(dict(self))


def replay(names: GraphNames) -> list[Frame]:
    """Run the backward pass on a copy of the gradients and record a frame per step.

    Time and memory grow linearly with the number of steps. The graph's gradients are
    restored afterwards: replaying has no side effect.
    """
    root = names.root
    if not hasattr(root, "local_grads"):  # backward_steps walks scalar local derivatives
        raise TypeError(
            f"the backward pass step by step needs a Value graph, got a {type(root).__name__} "
            "(draw() shows a Tensor graph; a batched MLP converts with to_scalar())"
        )
    nodes = [as_scalar(node) for node in names.order]
    saved = [(node, node.grad) for node in nodes]
    try:
        for node in nodes:
            if node.requires_grad:
                node.grad = 0.0
        current: dict[int, Any] = {}
        history = _History()
        root_id = names.id(root)
        history.record(0, root_id, 1.0)
        frames = [
            Frame(
                0,
                "step 0: start at the output",
                (seed_formula(names),),
                root_id,
                frozenset({root_id}),
                GradsAt(history, 0),
                frozenset(),
            )
        ]
        current[root_id] = 1.0
        for step in graph.backward_steps(root):
            frames.append(_frame(names, step, current, history, len(frames)))
        return frames
    finally:
        for node, grad in saved:
            node.grad = grad


def _frame(
    names: GraphNames,
    step: graph.BackwardStep,
    current: dict[int, Any],
    history: _History,
    index: int,
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
    for c in updated:
        history.record(index, c, current[c])
    title = f"step {index}: back through {names.name(node)} = {names.definition(node)}"
    return Frame(
        index, title, formulas, i, frozenset(updated), GradsAt(history, index), frozenset(edges)
    )


def forward_frames(scene: Scene) -> list[Frame]:
    """The forward pass op by op: frame 0 shows the leaves, then each op (or collapsed
    neuron) computes its value and records its local derivatives."""
    names = scene.names
    values: dict[int, Any] = {}
    for node in names.order:
        if not node.children:
            values[names.id(node)] = node.data
    first = min((names.id(n) for n in names.order if n.children), default=names.id(names.root))
    frames = [
        Frame(0, "step 0: the inputs and parameters", (), first, frozenset(), {}, frozenset(),
              values=dict(values))
    ]  # fmt: skip
    edges_into: dict[str, set[str]] = {}
    for edge in scene.edges():
        edges_into.setdefault(edge.head, set()).add(edge.id)
    for node in names.order:
        i = names.id(node)
        if not node.children or (i in scene.collapsed and i not in scene.groups):
            continue
        values[i] = node.data
        if i in scene.groups:
            group = scene.groups[i]
            title = (
                f"step {len(frames)}: neuron {_neuron_label(group)} = {group_formula(scene, group)}"
            )
            lines: tuple[str, ...] = (f"out = {format_data(node.data)}",)
            edges = edges_into.get(f"v{i}", set())
        else:
            title = f"step {len(frames)}: {names.name(node)} = {names.one_op(node)}"
            lines = (
                f"{names.name(node)} = {_with_numbers(names, node)} = {format_data(node.data)}",
                *_local_lines(names, node),
            )
            edges = edges_into.get(scene.head(i), set()) | {f"e_op{i}_v{i}"}
        frames.append(
            Frame(len(frames), title, lines, i, frozenset({i}), {}, frozenset(edges),
                  values=dict(values))
        )  # fmt: skip
    return frames


def _with_numbers(names: GraphNames, node: Node) -> str:
    """The op over its operands' numbers: ``3·(−2)``."""
    operands = [format_signed(child.data) for child in as_scalar(node).children]
    return fill_op(node, operands)


def _local_lines(names: GraphNames, node: Node) -> list[str]:
    """``records ∂m/∂w = x = −2, ∂m/∂x = w = 3``: what the op stores for the backward pass."""
    parts = []
    local_grads = as_scalar(node).local_grads
    for position, child in enumerate(node.children):
        if is_constant(child) or position >= len(local_grads):
            continue
        formula = names.local_formula(node, position)
        value = format_data(local_grads[position])
        text = names.partial(node, child)
        if formula is not None and formula != value:
            text += f" = {formula}"
        parts.append(f"{text} = {value}")
    return [f"records {', '.join(parts)}"] if parts else []


def _neuron_label(group: Group) -> str:
    return f"{group.place.layer_index}.{group.place.neuron_index}"


def group_formula(scene: Scene, group: Group) -> str:
    """``tanh(w·x + b)`` for a collapsed neuron."""
    output = scene.names.order[group.output]
    activation = output.op if output.op not in ("+", "") else None
    return f"{activation}(w·x + b)" if activation else "w·x + b"


def by_neuron(scene: Scene, frames: list[Frame]) -> list[Frame]:
    """Backward frames with every step inside a collapsed neuron merged into one frame: δ =
    ∂L/∂z, the gradients of its weights and bias, and what it passes back to its inputs."""
    names = scene.names
    edges_into: dict[str, set[str]] = {}
    for edge in scene.edges():
        # an op's operand edges, whose tails may be collapsed neurons (e_v9_op12_0)
        if edge.position is None or names.order[edge.operand].requires_grad:  # type: ignore[index]
            edges_into.setdefault(edge.head, set()).add(edge.id)
    merged: list[Frame] = [frames[0]]
    pending: list[Frame] = []

    def flush() -> None:
        if not pending:
            return
        rep = scene.collapsed[pending[0].active]
        group = scene.groups[rep]
        last = pending[-1]
        updated = {scene.collapsed.get(i, i) for f in pending for i in f.updated}
        title = (
            f"step {len(merged)}: back through neuron {_neuron_label(group)} = "
            f"{group_formula(scene, group)}"
        )
        merged.append(
            Frame(len(merged), title, tuple(neuron_lines(scene, group, last.grads)), rep,
                  frozenset(updated - {rep}), last.grads, frozenset(edges_into.get(f"v{rep}", ())))
        )  # fmt: skip
        pending.clear()

    for frame in frames[1:]:
        rep = scene.collapsed.get(frame.active)
        if rep is not None and pending and scene.collapsed[pending[0].active] != rep:
            flush()
        if rep is not None:
            pending.append(frame)
            continue
        flush()
        edges = set(frame.edges) | edges_into.get(scene.head(frame.active), set())
        updated = frozenset(scene.collapsed.get(i, i) for i in frame.updated)
        title = frame.title.replace("step " + str(frame.index), "step " + str(len(merged)), 1)
        merged.append(
            replace(frame, index=len(merged), title=title, updated=updated, edges=frozenset(edges))
        )
    flush()
    return merged


def neuron_lines(scene: Scene, group: Group, grads: Mapping[int, Any]) -> list[str]:
    """One neuron's backward step: δ = ∂L/∂z = ∂L/∂out · f'(z), then ∂L/∂w = δ·x, ∂L/∂b = δ."""
    names = scene.names
    output = names.order[group.output]
    upstream = grads.get(group.output)
    weights, bias = scene.neuron_parameters(group)
    delta = grads.get(names.id(bias)) if bias is not None else None
    lines = []
    if output.op not in ("+", "") and isinstance(upstream, float) and isinstance(delta, float):
        slope = as_scalar(output).local_grads[0]
        lines.append(
            f"δ = ∂L/∂z = ∂L/∂out · {output.op}′(z) = {format_signed(upstream)} · "
            f"{format_signed(slope)} = {format_number(delta)}"
        )
    elif isinstance(delta, float):
        lines.append(f"δ = ∂L/∂z = ∂L/∂out = {format_number(delta)}")
    if isinstance(delta, float):
        lines.append(f"∂L/∂b = δ = {format_number(delta)}")
    inputs = _weight_inputs(scene, group)
    shown = weights if len(weights) <= 4 else []
    for weight in shown:
        grad = grads.get(names.id(weight))
        x = inputs.get(names.id(weight))
        if isinstance(grad, float) and x is not None and isinstance(delta, float):
            lines.append(
                f"∂L/∂{scene.display_name(weight)} = δ · {names.name(x)} = "
                f"{format_signed(delta)} · {format_signed(x.data)} = {format_number(grad)}"
            )
    if not shown and weights:
        values = [grads.get(names.id(w)) for w in weights]
        numbers = [v for v in values if isinstance(v, float)]
        if numbers:
            lines.append(
                f"∂L/∂w = δ · x for its {len(weights)} weights: from {format_number(min(numbers))} "
                f"to {format_number(max(numbers))}"
            )
    if inputs and any(x.requires_grad for x in inputs.values()):
        lines.append("each input receives δ · w along its edge (added to its ∂L/∂out)")
    return lines


def _weight_inputs(scene: Scene, group: Group) -> dict[int, Any]:
    """Each weight of a collapsed neuron, by id, and the input it multiplies."""
    found = {}
    for member in group.members:
        node = scene.names.order[member]
        pair = scene.weight_of(node, group)
        if pair is not None:
            found[pair[0]] = scene.names.order[pair[1]]
    return found


class Steps(Sequence[Frame]):
    """The frames of a backward pass and their pictures on one fixed layout."""

    def __init__(
        self,
        root: Node,
        *,
        rankdir: str = "LR",
        max_nodes: int | None = DEFAULT_MAX_NODES,
        direction: str = "backward",
        collapse: str | None = None,
    ) -> None:
        check_rankdir(rankdir)
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be 'backward' or 'forward', got {direction!r}")
        if collapse not in (None, "neuron"):
            raise ValueError(f"steps collapse must be None or 'neuron', got {collapse!r}")
        self.names = GraphNames(root)
        self.direction = direction
        self.scene = Scene(self.names, collapse=collapse, show_grad=direction == "backward")
        if max_nodes is not None and self.scene.node_count > max_nodes:
            hint = " (or collapse='neuron' for a model)" if self.scene.model.is_model else ""
            raise ValueError(
                f"the graph has {self.scene.node_count} nodes, more than max_nodes={max_nodes}: "
                f"step through a smaller graph, or pass a larger max_nodes={hint}"
            )
        self.rankdir = rankdir
        if direction == "forward":
            frames = forward_frames(self.scene)
        else:
            frames = replay(self.names)
            if self.scene.groups:
                frames = by_neuron(self.scene, frames)
        self.frames = [replace(frame, steps=self) for frame in frames]
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
        if self.direction == "forward":  # every value as computed: the widest its cell gets
            return build_diagram(self.scene, rankdir=self.rankdir, caption=_widest_lines(self))
        widest: dict[int, str] = {}
        for frame in self.frames:
            for i in frame.updated:  # every value a cell shows is set by some step
                text = format_data(frame.grads[i])
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
        if frame.values is not None:  # forward: each value's cell, blank until computed
            for node in self.names.order:
                i = self.names.id(node)
                if node.requires_grad and i not in self.scene.collapsed:
                    value = frame.values.get(i)
                    texts[f"v{i}"] = f"data {BLANK if value is None else format_data(value)}"
            for rep in self.scene.groups:
                value = frame.values.get(rep)
                texts[f"v{rep}"] = f"data {BLANK if value is None else format_data(value)}"
        for node in self.names.order if frame.values is None else ():
            i = self.names.id(node)
            if node.requires_grad:
                grad = frame.grads.get(i)
                texts[f"v{i}"] = style.grad_text(grad)
                fills[f"v{i}"] = style.grad_fill(grad if isinstance(grad, float) else None)
        return FrameStyle(
            grad_texts=texts,
            grad_fills=fills,
            active={f"v{frame.active}", f"op{frame.active}"},
            updated={f"v{i}" for i in frame.updated if not frame.values or i == frame.active},
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
            f"<Steps: {len(self.frames)} frames of the {self.direction} pass of "
            f"{names.name(names.root)}>"
        )


DIRECTIONS = ("backward", "forward")


def _widest_lines(frames: Sequence[Frame]) -> list[str]:
    """Each caption line as long as its longest frame's, so the layout fits every frame."""
    count = max(1 + len(frame.formulas) for frame in frames)
    lines = [""] * count
    for frame in frames:
        for n, line in enumerate([frame.title, *frame.formulas]):
            if len(line) > len(lines[n]):
                lines[n] = line
    return [line + "  " for line in lines]


def steps(
    root: Node,
    *,
    direction: str = "backward",
    collapse: str | None = None,
    rankdir: str = "LR",
    max_nodes: int | None = DEFAULT_MAX_NODES,
) -> Steps:
    """The backward pass of `root`, one frame per step, with a layout that never moves.

    Args:
        root: the output `Value`.
        direction: ``"backward"`` (one frame per node, root first), or ``"forward"``: the
            forward pass op by op, each value appearing as it is computed, with the local
            derivatives its op records.
        collapse: ``"neuron"``: a model's neurons drawn as one node each, one frame per
            neuron (δ = ∂L/∂z and its weights' gradients).
        rankdir: layout direction, as for `draw`.
        max_nodes: refuse graphs with more drawn nodes than this (None: no limit).

    Returns:
        A `Steps` sequence of `Frame`; ``.svgs()`` renders them, ``.render(outdir)`` writes
        the frames and the HTML page.

    Raises:
        TypeError: if `root` is not a `Value` (a Tensor's backward is not drawn step by step).
        ValueError: if `root` does not require grad, the graph is too big, or `rankdir`,
            `direction` or `collapse` is not one of its choices.

    >>> from chainrule import Value
    >>> a = Value(2.0, label="a"); b = Value(-3.0, label="b")
    >>> frames = steps(a * b + a)
    >>> [frame.formulas for frame in frames][1]
    ('∂L/∂c = 1', '∂L/∂a = 1')
    """
    return Steps(root, rankdir=rankdir, max_nodes=max_nodes, direction=direction, collapse=collapse)


def render_steps(
    root: Node,
    target: str | os.PathLike[str],
    *,
    renderer: str | None = None,
    duration: float = DEFAULT_FRAME_SECONDS,
    direction: str = "backward",
    collapse: str | None = None,
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
        direction: ``"forward"`` steps through the forward pass instead (see `steps`).
        collapse: ``"neuron"``: one frame per neuron of a model (see `steps`).

    Returns:
        The path of ``index.html``, or of the GIF.

    Raises:
        ValueError: for a target that is neither a folder nor a .gif, or a bad `duration`,
            `direction` or `collapse`.
    """
    frames = steps(root, direction=direction, collapse=collapse)
    return frames.render(target, renderer=renderer, duration=duration)
