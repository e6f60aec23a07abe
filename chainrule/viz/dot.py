"""Graph → DOT: a record per value, a node per op, one edge per operand, clusters for models.

Node ids come from creation order (``v4`` is the value at index 4 of
`graph.topological_order(root)`, ``op4`` the op that made it), so the same graph always gives
byte-identical DOT. The DOT text is assembled here directly (the graphviz package holds it
as a `graphviz.Digraph`): building tens of thousands of lines through its per-attribute
quoting would be the slowest part of drawing a big graph.
"""

from __future__ import annotations

from typing import Any

import graphviz

from chainrule.engine.mode import collector_paused
from chainrule.engine.node import Node
from chainrule.viz import routes, style
from chainrule.viz.chain import chain_rule_lines
from chainrule.viz.diagram import Diagram
from chainrule.viz.format import BLANK, format_data, visible
from chainrule.viz.model import is_bias, is_weight, neuron_index, role_text
from chainrule.viz.naming import GraphNames, is_constant
from chainrule.viz.scene import COLLAPSE_MODES, Edge, Group, Scene

DEFAULT_MAX_NODES = 1500
COLLAPSED_RANKSEP = "0.5"
RANKDIRS = ("LR", "RL", "TB", "BT")


def draw(
    root: Node,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    edge_labels: bool = False,
    highlight: Any = None,
    collapse: str | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
) -> Diagram:
    """Draw the computational graph of `root` with every value and gradient.

    Args:
        root: the output `Value` (or `Tensor`).
        rankdir: layout direction, ``"LR"`` (inputs left) or ``"TB"``, ``"RL"``, ``"BT"``.
        show_grad: show gradients; before ``backward()`` they are blank, with a note.
        edge_labels: write each edge's local derivative (formula and value).
        highlight: a leaf (or its label): colour its paths to the root, write its chain rule.
        collapse: ``"neuron"`` draws each neuron of a model as one node, each weight as an
            edge with its value and ∂L/∂w (sign by colour, magnitude by width);
            ``"layer"`` one node per layer with its shape and a summary of its gradients.
        max_nodes: refuse to draw more nodes than this (None: no limit).

    Returns:
        A `Diagram`.

    Raises:
        TypeError: if `root` is not a `Value` or `Tensor`.
        ValueError: for a bad option, an unknown highlight, or too many nodes.

    >>> from chainrule import Value
    >>> a = Value(2.0, label="a"); b = a * 3
    >>> b.backward()
    >>> diagram = draw(b)
    >>> "× 3" in diagram.source, "grad 3" in diagram.source
    (True, True)
    """
    check_rankdir(rankdir)
    if collapse not in COLLAPSE_MODES:
        raise ValueError(f"collapse must be None, 'neuron' or 'layer', got {collapse!r}")
    with collector_paused():
        names = GraphNames(root)
        leaf = find_node(names, highlight) if highlight is not None else None
        scene = Scene(names, collapse=collapse, show_grad=show_grad)
    if max_nodes is not None and scene.node_count > max_nodes:
        hint = (
            "pass collapse='neuron' to draw each neuron as one node (collapse='layer' for "
            "one node per layer), or a larger max_nodes"
            if collapse != "layer" and scene.model.is_model
            else "pass a larger max_nodes= (or collapse='neuron' or 'layer' for a model)"
        )
        raise TooManyNodes(
            f"the graph has {scene.node_count} nodes to draw, more than max_nodes={max_nodes}: "
            + hint,
            count=scene.node_count,
            limit=max_nodes,
        )
    with collector_paused():
        return build_diagram(scene, rankdir=rankdir, edge_labels=edge_labels, highlight=leaf)


class TooManyNodes(ValueError):
    """A graph with more nodes to draw than `max_nodes` (the CLI words its own hint)."""

    def __init__(self, message: str, *, count: int, limit: int) -> None:
        super().__init__(message)
        self.count = count
        self.limit = limit


def check_rankdir(rankdir: str) -> None:
    """Raise ValueError unless `rankdir` is a Graphviz layout direction (dot ignores others)."""
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")


def find_node(names: GraphNames, wanted: Any) -> Any:
    """The node of the graph that `wanted` names: the node itself, or a label string.

    Raises:
        ValueError: when no node matches.
    """
    if isinstance(wanted, str):
        matches = [node for node in names.order if node.label == wanted]
        if len(matches) > 1:
            which = ", ".join(names.name(node) for node in matches)
            raise ValueError(
                f"{len(matches)} values are labelled {wanted!r} ({which}): pass the Value itself "
                "or one of these names"
            )
        if not matches:
            matches = [n for n in names.order if not is_constant(n) and names.name(n) == wanted]
        if not matches:
            raise ValueError(f"no value labelled {wanted!r} in this graph")
        return matches[0]
    if wanted not in names.index:
        raise ValueError("the value to highlight is not part of this graph")
    return wanted


def build_diagram(
    scene: Scene,
    *,
    rankdir: str = "LR",
    edge_labels: bool = False,
    highlight: Any = None,
    grads: dict[int, Any] | None = None,
    caption: list[str] | None = None,
) -> Diagram:
    """Write the scene's DOT.

    `grads` overrides what each value's gradient cell shows (a number, text, or None for
    blank); `caption` replaces the notes and legend above the graph.
    """
    names = scene.names
    marked = _highlighted(names, highlight)
    # a collapsed layer is on a path when any neuron in it is: so are the edges it sends
    marked |= {rep for rep, group in scene.groups.items() if not marked.isdisjoint(group.members)}
    body = scene.body(
        lambda node: _value_lines(scene, node, marked, grads),
        lambda group: _group_lines(scene, group, marked, grads),
        rankdir=rankdir,
    )
    edges = scene.edges()
    weights = WeightStyle(scene, edges, edge_labels=edge_labels, grads=grads, marked=marked)
    for edge in edges:
        body.append(_edge_line(scene, edge, edge_labels, marked, weights))
    body.extend(scene.column_anchors(edges))
    notes = _notes(scene, highlight, grads)
    if caption is not None:
        notes = style.text_block(caption, size=12, bold_first=True)
    graph_attr = {
        "rankdir": rankdir,
        "fontname": style.FONT,
        "nodesep": "0.25",
        "ranksep": "0.35",
        "labeljust": "l",
        "labelloc": "t",
        "bgcolor": "white",
    }
    if scene.model.is_model:
        # A dense layer has no order of its neurons that crosses fewer edges than another, and
        # dot's crossing minimisation only rotates them (8 … 15, 0 … 7). Two passes keep the
        # order they are written in: neuron 0 first, w₀ before w₁.
        graph_attr["mclimit"] = "0.1"
        if rankdir in ("LR", "RL"):
            # rank the whole graph at once (not cluster by cluster), so that the column
            # anchors hold; top to bottom, dot's own cluster ranking keeps w₀ before w₁
            graph_attr["newrank"] = "true"
    if scene.groups:
        # the edges between two dense layers need room to be told apart
        graph_attr["ranksep"] = COLLAPSED_RANKSEP
    digraph = graphviz.Digraph(
        "chainrule",
        graph_attr=graph_attr,
        node_attr={"fontname": style.FONT, "fontsize": "11", "shape": "plain"},
        edge_attr={
            "fontname": style.FONT,
            "fontsize": "9",
            "color": style.EDGE,
            "fontcolor": style.MUTED,
        },
        body=[f"\t{line}\n" for line in body] + ([f"\tlabel={notes}\n"] if notes else []),
    )
    return Diagram(digraph, node_count=scene.node_count)


def _highlighted(names: GraphNames, leaf: Node) -> set[int]:
    """Every node on a path from `leaf` to the root: the nodes that depend on the leaf.

    Every node of the graph reaches the root, so a node lies on such a path exactly when one
    of its operands does; one pass in creation order (operands first) finds them all, for
    Values and Tensors alike and however many paths there are. An edge is on a path when the
    value it leaves is.
    """
    if leaf is None:
        return set()
    marked = {names.id(leaf)}
    for node in names.order[names.id(leaf) + 1 :]:
        if any(names.id(child) in marked for child in node.children):
            marked.add(names.id(node))
    return marked


def _notes(scene: Scene, highlight: Any, grads: dict[int, Any] | None) -> str:
    lines: list[str] = []
    title = derivative_title(scene.names.name(scene.names.root))
    if title is not None:
        lines.append(title)
    if highlight is not None:
        lines.extend(_chain_rule_caption(scene, highlight))
    if scene.show_grad and not scene.backward_ran and grads is None:
        lines.append(f"backward() has not run yet: gradients are blank ({BLANK}), not zero")
    roles = {scene.names.role(node) for node in scene.drawn}
    if scene.groups:  # a collapsed neuron is drawn in the parameters' colour
        roles.add("parameter")
    legend = style.legend(scene.show_grad, scene.names.name(scene.names.root), roles=roles)
    if not lines:
        return f'<<FONT POINT-SIZE="10">{legend}</FONT>>'
    bold = highlight is not None or title is not None
    block = style.text_block(lines, size=12, bold_first=bold)[1:-1]
    return f'<{block}<BR/><FONT POINT-SIZE="10">{legend}</FONT><BR ALIGN="LEFT"/>>'


#: The caption writes out every chain-rule path up to this many; past it, their number and sum.
MAX_CAPTION_PATHS = 6


def _chain_rule_caption(scene: Scene, leaf: Node) -> list[str]:
    names = scene.names
    name, full = names.name(leaf), names.full_name(leaf)
    if full != name:  # a model parameter: its short name, then the label it stands for
        name = f"{name} ({full})"
    if not hasattr(names.root, "local_grads"):  # a Tensor: each edge is a Jacobian, not a number
        lines = [f"The gradient of {names.name(names.root)} reaches {name} along the red paths"]
        grad = scene.grad_value(leaf)
        if grad is not None and scene.show_grad:
            lines.append(f"{names.partial(names.root, leaf)} = {format_data(grad)}")
        return lines
    if scene.model.is_model and leaf is not names.root:
        # a model's paths are long and many: count and sum them, and show the largest
        lines = routes.caption_lines(names, leaf, names.partial(names.root, leaf))
        return [f"Chain rule for {name}, along the red paths:", *lines]
    chain = chain_rule_lines(names, leaf, max_paths=MAX_CAPTION_PATHS)
    paths = "paths" if chain[0].endswith(":") else "path"  # a sum over several paths
    return [f"Chain rule for {name}, along the red {paths}:", *chain]


_OP_STYLE = (
    ' style=filled fillcolor="#ffffff" fontsize=12 margin="0.04,0.02" width=0.35 height=0.35'
)


def _quote(text: str) -> str:
    """A DOT double-quoted string; control characters are shown as escapes (``\\n``)."""
    if not text.isprintable():
        text = visible(text)
    if "\\" in text or '"' in text:
        text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text + '"'


def _value_lines(
    scene: Scene, node: Node, marked: set[int], grads: dict[int, Any] | None
) -> list[str]:
    names = scene.names
    i = names.index[node]
    role = names.role(node)
    title = scene.display_name(node)
    name = names.name(node)
    grad = scene.grad_value(node) if grads is None else grads.get(i)
    grad_row = style.grad_text(grad) if scene.show_grad and node.requires_grad else None
    label = style.value_label(
        title=title,
        subtitle=_subtitle(scene, node, title, name),
        data=format_data(node.data),
        grad=grad_row,
        fill=style.grad_fill(grad if isinstance(grad, float) else None),
        header=style.HEADER_FILL[role] if role in style.HEADER_FILL else "#ffffff",
        border=style.HIGHLIGHT if i in marked else style.BORDER.get(role, "#8a8a8a"),
    )
    tooltip = node.label or names.expression(node)
    penwidth = ' penwidth="2.5"' if i in marked else ""
    lines = [f"v{i} [id=v{i} label={label} tooltip={_quote(tooltip)}{penwidth}]"]
    if node.children and not scene.fold_ops:
        op_label = scene.op_label(node)
        shape = "circle" if len(op_label) <= 2 else "ellipse"
        color = f" color={_quote(style.HIGHLIGHT)} penwidth=2" if i in marked else ""
        lines.append(f"op{i} [id=op{i} label={_quote(op_label)} shape={shape}{_OP_STYLE}{color}]")
    return lines


def _subtitle(scene: Scene, node: Node, title: str, name: str) -> str | None:
    """Small grey text beside the name: what an intermediate value computes (``= a·x``)."""
    if title != name and node.label is None:  # a role inside a neuron: p₁, s₁, z
        return role_text(title)
    if node.children and scene.fold_ops:  # no op node: the record says what made it
        return "= " + scene.names.one_op(node)
    if node.children and node.label is None and not scene.model.is_model:
        text = "= " + scene.names.one_op(node)
        return text if len(text) <= _MAX_SUBTITLE else None
    return None


_MAX_SUBTITLE = 18


def _group_lines(
    scene: Scene, group: Group, marked: set[int], grads: dict[int, Any] | None
) -> list[str]:
    """A collapsed neuron (its output, ∂L/∂output and its bias) or layer (its summary)."""
    names = scene.names
    output = names.order[group.output]
    i = group.output
    on_path = any(member in marked for member in group.members)
    grad = scene.grad_value(output) if grads is None else grads.get(i)
    activation = output.op if output.op not in ("+", "") else "linear"
    if group.kind == "neuron":
        title, subtitle = f"neuron {neuron_index(group.key)}", activation
        data, grad_row = format_data(output.data), style.grad_text(grad)
        extra = _weight_rows(scene, group, grads) + _bias_row(scene, group, grads)
    else:
        title = f"layer {group.place.layer_index}"
        subtitle = f"{len(group.outputs)} × {activation}(w·x + b)"
        data = _layer_summary(scene, group)
        grad_row = None
        extra = _layer_rows(scene, group, grads)
        grad = None
    label = style.value_label(
        title=title,
        subtitle=subtitle,
        data=data,
        grad=grad_row if scene.show_grad else None,
        fill=style.grad_fill(grad if isinstance(grad, float) else None),
        header=style.HEADER_FILL["intermediate"],
        border=style.HIGHLIGHT if on_path else style.BORDER["parameter"],
        extra=extra if scene.show_grad or group.kind == "layer" else [],
        data_prefix="data " if group.kind == "neuron" else "",
    )
    penwidth = ' penwidth="2.5"' if on_path else ""
    return [f"v{i} [id=v{i} label={label} tooltip={_quote(group.key)}{penwidth}]"]


#: A collapsed neuron lists each weight with its gradient up to this many inputs; past it,
#: one row summarises them (the edges still show each gradient by colour and width).
MAX_WEIGHT_ROWS = 4


def _weight_rows(scene: Scene, group: Group, grads: dict[int, Any] | None) -> list[str]:
    """``w₀ 0.69 · grad −0.03`` per weight of a collapsed neuron, or one summary row."""
    names = scene.names
    weights, _ = scene.neuron_parameters(group)
    values = [scene.grad_value(w) if grads is None else grads.get(names.id(w)) for w in weights]
    if len(weights) <= MAX_WEIGHT_ROWS:
        rows = []
        for weight, grad in zip(weights, values):
            text = f"{scene.display_name(weight)} {format_data(weight.data)}"
            shown = scene.show_grad and (grads is None or isinstance(grad, float))
            rows.append(text + (f" · {style.grad_text(grad)}" if shown else ""))
        return rows
    if not scene.show_grad or any(not isinstance(v, float) for v in values):
        return [f"{len(weights)} weights in {_range([w.data for w in weights])}"]
    return [f"{len(weights)} ∂L/∂w in {_range(values)}"]


def _bias_row(scene: Scene, group: Group, grads: dict[int, Any] | None) -> list[str]:
    """``b 0.1 · grad −0.03`` for the bias inside a collapsed neuron (∂L/∂b = δ = ∂L/∂z)."""
    _, node = scene.neuron_parameters(group)
    if node is None:
        return []
    text = f"b {format_data(node.data)}"
    grad = scene.grad_value(node) if grads is None else grads.get(scene.names.id(node))
    if scene.show_grad and (grads is None or isinstance(grad, float)):
        text += f" · {style.grad_text(grad)}"
    return [text]


def _layer_parameters(scene: Scene, group: Group) -> tuple[list[Any], list[Any]]:
    """The weights and the biases of a collapsed layer, in order."""
    weights, biases = [], []
    for member in group.members:
        node = scene.names.order[member]
        if node.children:
            continue
        if is_weight(node):
            weights.append(node)
        elif is_bias(node):
            biases.append(node)
    return weights, biases


def _layer_summary(scene: Scene, group: Group) -> str:
    weights, biases = _layer_parameters(scene, group)
    count = len(group.outputs)
    fan_in = len(weights) // count if count else 0
    return f"{fan_in} → {count}, {len(weights) + len(biases)} parameters"


def _range(values: list[Any]) -> str:
    """``[−0.2, 0.3]``: the smallest and largest of a list of numbers."""
    return f"[{format_data(min(values))}, {format_data(max(values))}]" if values else BLANK


def _layer_rows(scene: Scene, group: Group, grads: dict[int, Any] | None) -> list[str]:
    """A collapsed layer's outputs, ∂L/∂outputs, ∂L/∂w and ∂L/∂b: ranges, and the largest
    weight gradient by name."""
    names = scene.names

    def grad_of(node: Any) -> Any:
        return scene.grad_value(node) if grads is None else grads.get(names.id(node))

    outputs = [names.order[i] for i in group.outputs]
    rows = [f"out in {_range([node.data for node in outputs])}"]
    if not scene.show_grad:
        return rows
    weights, biases = _layer_parameters(scene, group)
    for kind, nodes in (("out", outputs), ("w", weights), ("b", biases)):
        values = [grad_of(node) for node in nodes]
        if not nodes or any(not isinstance(value, float) for value in values):
            rows.append(f"∂L/∂{kind} {BLANK}")
            continue
        rows.append(f"∂L/∂{kind} in {_range(values)}")
        if kind == "w":
            largest = max(range(len(nodes)), key=lambda n: abs(values[n]))
            rows.append(
                f"largest: ∂L/∂{names.name(nodes[largest])} = {format_data(values[largest])}"
            )
    return rows


class WeightStyle:
    """How the weight edges of a collapsed graph look: colour by the sign of ∂L/∂w,
    width by its magnitude (relative to the largest in the picture), and a label with the
    weight's value and gradient when edge labels are asked for (the collapsed neuron lists
    them too, where it has few inputs)."""

    def __init__(
        self,
        scene: Scene,
        edges: list[Edge],
        *,
        edge_labels: bool,
        grads: dict[int, Any] | None,
        marked: set[int],
    ) -> None:
        self.scene = scene
        self.grads: dict[int, Any] = {}
        names = scene.names
        for edge in edges:
            if edge.weight is None:
                continue
            node = names.order[edge.weight]
            self.grads[edge.weight] = (
                scene.grad_value(node) if grads is None else grads.get(edge.weight)
            )
        self.labelled = edge_labels
        self.faded = bool(marked)
        numbers = [abs(g) for g in self.grads.values() if isinstance(g, float) and g == g]
        self.largest = max(numbers, default=0.0)

    def attributes(self, edge: Edge, on_path: bool) -> list[str]:
        names, scene = self.scene.names, self.scene
        node = names.order[edge.weight]  # type: ignore[index]
        grad = self.grads.get(edge.weight)  # type: ignore[arg-type]
        short = scene.display_name(node)
        grad_text = (
            ""
            if not scene.show_grad
            else f", ∂L/∂w = {format_data(grad) if isinstance(grad, float) else BLANK}"
        )
        attributes = [f"tooltip={_quote(f'{node.label} = {format_data(node.data)}{grad_text}')}"]
        if isinstance(grad, float) and scene.show_grad and self.largest > 0 and grad == grad:
            width = 0.6 + 3.4 * abs(grad) / self.largest
            color = style.POSITIVE_EDGE if grad > 0 else style.NEGATIVE_EDGE
            if on_path:
                color = style.HIGHLIGHT
            elif self.faded:  # a highlight: the red paths stand out from the rest
                color += "55"
            attributes.append(f'color="{color}" penwidth={width:.2f} arrowsize=0.5')
        else:
            attributes.append(
                f'color="{style.HIGHLIGHT}" penwidth=2.5 arrowsize=0.5'
                if on_path
                else 'color="#7a7a7a" penwidth=0.8 arrowsize=0.5'
            )
        if self.labelled:
            lines = [f"{short} {format_data(node.data)}"]
            if scene.show_grad:
                lines.append(style.grad_text(grad))
            attributes.append(f"label={style.edge_label(lines)}")
        return attributes


def _edge_line(
    scene: Scene, edge: Edge, edge_labels: bool, marked: set[int], weights: WeightStyle
) -> str:
    attributes = [f"id={edge.id}"]
    is_op_edge = edge.tail.startswith("op")
    # the value the edge leaves: opN → vN carries N; vC → opN (or → a collapsed neuron) C
    on_path = int(edge.tail[2:] if is_op_edge else edge.tail[1:]) in marked
    if edge.weight is not None:
        # the weight is in the highlighted neuron or the edge leaves a value on the path
        on_path = on_path or (edge.weight in marked and int(edge.head[1:]) in marked)
        attributes += weights.attributes(edge, on_path)
        return f"{edge.tail} -> {edge.head} [{' '.join(attributes)}]"
    if on_path:
        attributes.append(f'color="{style.HIGHLIGHT}" penwidth=2.5')
    if edge_labels and edge.position is not None:
        attributes.append(f"label={_quote(scene.edge_text(edge.result, edge.position))}")
    if is_op_edge:
        attributes.append("arrowsize=0.6")
    elif edge.operand is None:  # between collapsed neurons: dense layers draw many of these
        attributes.append(
            "arrowsize=0.5" if on_path else 'color="#7a7a7a80" penwidth=0.7 arrowsize=0.5'
        )
    return f"{edge.tail} -> {edge.head} [{' '.join(attributes)}]"


def derivative_title(name: str) -> str | None:
    """What a graph whose output is a gradient (``∂L/∂θ1``) shows: None for any other graph.

    >>> derivative_title("∂L/∂θ1")
    '∂L/∂θ1 as a graph: the backward pass of L, recorded by create_graph=True'
    """
    if not name.startswith("∂") or "/∂" not in name:
        return None
    output = name.split("/", 1)[0].lstrip("∂⁰¹²³⁴⁵⁶⁷⁸⁹")
    return f"{name} as a graph: the backward pass of {output}, recorded by create_graph=True"
