"""What a diagram shows before it becomes DOT: drawn nodes, folded constants, edges, clusters.

A constant operand is folded into its op's label (``× 2``), a collapsed neuron (or layer)
stands for every node inside it, and every other non-constant node is one value record plus,
when an op made it, one op node. A model graph is laid out in columns, one per layer, in
the rank direction: inputs, layer 0, …, the output layer, then the loss.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from chainrule.engine.node import Node
from chainrule.engine.ops import op_info
from chainrule.viz.format import format_constant, format_data
from chainrule.viz.model import Place, is_bias, is_weight, neuron_index
from chainrule.viz.naming import GraphNames, is_constant

COLLAPSE_MODES = (None, "neuron", "layer")


class Edge(NamedTuple):
    """One drawn edge: ``tail → head``; `operand`/`position` say which operand it carries.

    `weight` is the index of the model weight a collapsed edge stands for (the edge from an
    input of a neuron to the neuron carries that input's weight), else None.
    """

    tail: str
    head: str
    operand: int | None
    result: int
    position: int | None
    weight: int | None = None

    @property
    def id(self) -> str:
        """The edge's DOT id: ``e_v3_op5_1`` (operand 1 of op 5), ``e_v3_v9_w4`` (weight 4)."""
        if self.weight is not None:
            return f"e_{self.tail}_{self.head}_w{self.weight}"
        suffix = "" if self.position is None else f"_{self.position}"
        return f"e_{self.tail}_{self.head}{suffix}"


@dataclass
class Group:
    """A collapsed neuron or layer: the nodes it stands for and the value it draws."""

    key: str  # the neuron's label (``layers.1.neurons.3``) or the layer's (``layers.1``)
    kind: str  # "neuron" or "layer"
    place: Place
    output: int  # the node it is drawn as: the neuron's output, or the layer's first one
    outputs: list[int] = field(default_factory=list)  # the neuron outputs inside it
    members: list[int] = field(default_factory=list)  # every node it stands for


class Scene:
    """The nodes and edges one picture of the graph of `names.root` draws."""

    def __init__(self, names: GraphNames, *, collapse: str | None, show_grad: bool) -> None:
        if collapse not in COLLAPSE_MODES:
            raise ValueError(f"collapse must be None, 'neuron' or 'layer', got {collapse!r}")
        self.names = names
        self.show_grad = show_grad
        self.collapse = collapse
        self.model = names.model
        self.collapsed: dict[int, int] = {}  # node index → the index of the node drawn for it
        self.groups: dict[int, Group] = {}  # by the index of the node drawn for it
        if collapse is not None:
            self._collapse(collapse)
        self.drawn = [
            node
            for node in names.order
            if not is_constant(node) and names.id(node) not in self.collapsed
        ]
        # a collapsed picture is compact: a value outside the neurons (the loss) shows its op
        # in its own record (``d = exp(c)``) instead of in an op node of its own
        self.fold_ops = collapse is not None
        ops = 0 if self.fold_ops else sum(1 for n in self.drawn if n.children)
        self.node_count = len(self.groups) + len(self.drawn) + ops
        self.backward_ran = _backward_ran(names.order, names.root)

    def _collapse(self, collapse: str) -> None:
        model, names = self.model, self.names
        outputs = {
            key: names.id(node)
            for key, node in model.neuron_outputs.items()
            if names.id(node) in model.places
        }
        by_key: dict[str, Group] = {}
        for key, output in sorted(outputs.items(), key=lambda item: item[1]):
            place = model.places[output]
            group_key = key if collapse == "neuron" else place.layer
            group = by_key.get(group_key)
            if group is None:
                group = Group(group_key, collapse, place, output)
                by_key[group_key] = group
                self.groups[output] = group
            group.outputs.append(output)
        for i, place in sorted(model.places.items()):
            member_of = place.neuron if collapse == "neuron" else place.layer
            group = by_key.get(member_of or "")
            if group is not None:
                self.collapsed[i] = group.output
                group.members.append(i)

    def grad_value(self, node: Node) -> Any:
        """The gradient to show: None (blank) before backward, else the node's grad."""
        if not self.backward_ran:
            return None
        return grad_number(node.grad)

    def display_name(self, node: Node) -> str:
        """The name drawn in the record: short (``w₁``) inside a model's cluster."""
        short = self.model.short_names.get(self.names.id(node))
        return short if short is not None else self.names.name(node)

    def op_label(self, node: Node) -> str:
        """The op's symbol, with constant operands folded in: ``× 2``, ``2 −``, ``^ 2``."""
        symbol = op_info(node.op).symbol
        constants = [(p, c) for p, c in enumerate(node.children) if is_constant(c)]
        if not constants or len(node.children) > 2:
            return symbol
        parts = [symbol]
        for position, constant in constants:
            text = format_constant(constant.data)
            parts = [text, *parts] if position == 0 else [*parts, text]
        return " ".join(parts)

    def edge_text(self, result: int, position: int) -> str:
        """∂result/∂operand = formula = value, for an edge label."""
        names = self.names
        node = names.order[result]
        child = node.children[position]
        local_grads = getattr(node, "local_grads", ())  # a Tensor keeps no local gradients
        local = local_grads[position] if position < len(local_grads) else None
        parts = [names.partial(node, child)]
        formula = names.local_formula(node, position)
        if formula is not None:
            parts.append(formula)
        if isinstance(local, (int, float)) or hasattr(local, "shape"):
            parts.append(format_data(local))
        return " = ".join(dict.fromkeys(parts))  # drop a repeated part, keep the order

    def neuron_parameters(self, group: Group) -> tuple[list[Node], Node | None]:
        """A collapsed neuron's weights (in creation order) and its bias, read by nn's names."""
        members = [self.names.order[m] for m in group.members]
        weights = [m for m in members if not m.children and is_weight(m, group.key)]
        return weights, next((m for m in members if is_bias(m, group.key)), None)

    def weight_of(self, product: Node, group: Group) -> tuple[int, int] | None:
        """For a product w·x inside a collapsed neuron: (index of w, index of x)."""
        if product.op != "*" or len(product.children) != 2 or group.kind != "neuron":
            return None
        names = self.names
        for weight, other in (product.children, product.children[::-1]):
            if not weight.children and is_weight(weight, group.key):
                if names.id(other) not in self.collapsed or self.rep(other) != group.output:
                    return names.id(weight), names.id(other)
        return None

    def head(self, i: int) -> str:
        """The drawn node that receives the operand edges of node `i`: its op node, its own
        record when ops are folded, or its collapsed neuron or layer."""
        if i in self.collapsed:
            return f"v{self.collapsed[i]}"
        return f"v{i}" if self.fold_ops else f"op{i}"

    def rep(self, node: Node) -> int:
        """The index of the node drawn for `node`: its group's, or its own."""
        i = self.names.id(node)
        return self.collapsed.get(i, i)

    def edges(self) -> list[Edge]:
        """Every drawn edge, in creation order of the results."""
        names = self.names
        edges: list[Edge] = []
        seen: set[tuple[str, str]] = set()
        for node in names.order:
            i = names.id(node)
            if not node.children:
                continue
            group = self.groups.get(self.collapsed.get(i, -1))
            head = self.head(i)
            if group is None and not self.fold_ops:
                edges.append(Edge(f"op{i}", f"v{i}", None, i, None))
            weighted = self.weight_of(node, group) if group is not None else None
            for position, child in enumerate(node.children):
                if is_constant(child):
                    continue
                c = names.id(child)
                tail = f"v{self.rep(child)}"
                if group is None:
                    edges.append(Edge(tail, head, c, i, position))
                elif weighted is not None:
                    if c == weighted[1]:
                        edges.append(Edge(tail, head, c, i, position, weighted[0]))
                elif self.rep(child) != group.output and (tail, head) not in seen:
                    seen.add((tail, head))
                    edges.append(Edge(tail, head, None, i, None))
        return edges

    def columns(self) -> dict[str, int]:
        """The column of every drawn node of a model graph, by DOT id (empty for others).

        Layer k's nodes are column k + 1; a leaf used only inside layers sits one column
        before the first that uses it (the inputs: column 0); any other node is in the
        column of its latest operand, or the one after when that operand is a layer's
        (the loss comes after the output layer).
        """
        if not self.model.is_model:
            return {}
        names, places = self.names, self.model.places
        column: dict[int, int] = {}
        users: dict[int, list[int]] = {}
        for node in names.order:
            for child in node.children:
                users.setdefault(names.id(child), []).append(names.id(node))
        pending: list[int] = []
        for node in names.order:
            i = names.id(node)
            if is_constant(node):
                continue
            if i in places:
                column[i] = places[i].layer_index + 1
            elif node.children:
                known = [
                    column[c] + (names.id(child) in places)
                    for child in node.children
                    if (c := names.id(child)) in column
                ]
                column[i] = max(known, default=0)
            else:
                pending.append(i)
        for i in pending:
            around = users.get(i, [])
            if around and all(u in places for u in around):
                column[i] = min(column[u] for u in around) - 1
            else:
                column[i] = min((column.get(u, 0) for u in around), default=0)
        drawn: dict[str, int] = {}
        for i, value in column.items():
            if i in self.collapsed:
                drawn[f"v{self.collapsed[i]}"] = column[self.collapsed[i]]
            else:
                drawn[f"v{i}"] = value
                if names.order[i].children and not self.fold_ops:
                    drawn[f"op{i}"] = value
        return drawn

    def column_anchors(self, edges: list[Edge]) -> list[str]:
        """Invisible nodes and edges that keep each column before the next in rank order.

        dot pulls a leaf next to the first op that uses it, so a weight of layer 1 would sit
        beside layer 0. Between columns c and c + 1 sits one invisible point: every node of
        column c with no edge to another node of its column points to it, and it points to
        every leaf of column c + 1. Every other node of c + 1 is computed from such a leaf
        (a neuron's products, sums and activation) and follows it; only leaves get the edge,
        as more invisible edges would disturb the order of the neurons.
        """
        column = self.columns()
        has_in: set[str] = set()
        inside_out: set[str] = set()
        for edge in edges:
            has_in.add(edge.head)
            if column.get(edge.tail, -1) == column.get(edge.head, -2):
                inside_out.add(edge.tail)
        present = sorted(set(column.values()))
        previous = dict(zip(present[1:], present))
        leaves = [n for n, c in column.items() if n not in has_in and c in previous]
        needed = {previous[column[n]] for n in leaves}
        lines = [
            f'anchor{c} [shape=point style=invis width=0 height=0 label=""]' for c in sorted(needed)
        ]
        for node, c in column.items():
            if c in needed and node not in inside_out:
                lines.append(f"{node} -> anchor{c} [style=invis]")
        lines.extend(f"anchor{previous[column[n]]} -> {n} [style=invis]" for n in leaves)
        return lines

    def body(
        self,
        value_lines: Callable[[Any], list[str]],
        group_lines: Callable[[Group], list[str]],
        *,
        rankdir: str = "LR",
    ) -> list[str]:
        """Node statements, nested in layer and neuron clusters for a model graph.

        Args:
            value_lines: the DOT lines of one drawn value (its record and op node).
            group_lines: the DOT lines of one collapsed neuron or layer.
            rankdir: the layout direction, which decides the order clusters are written in
                (see `_cluster`).
        """
        free: list[str] = []
        clusters: dict[str, dict[str | None, list[list[str]]]] = {}
        collapsed: dict[str, list[str]] = {}  # layer → ids of its collapsed neurons, in order
        labels: dict[str, Place] = {}
        for node in self.drawn:
            lines = value_lines(node)
            place = self.model.place(self.names.id(node))
            if place is None:
                free.extend(lines)
                continue
            labels[place.layer] = place
            clusters.setdefault(place.layer, {}).setdefault(place.neuron, []).append(lines)
        for group in self.groups.values():
            if group.kind == "layer":
                free.extend(group_lines(group))
                continue
            place = group.place
            labels[place.layer] = place
            clusters.setdefault(place.layer, {}).setdefault(None, []).append(group_lines(group))
            collapsed.setdefault(place.layer, []).append(f"v{group.output}")
        sideways = rankdir in ("LR", "RL")
        return free + [
            line
            for layer, groups in clusters.items()
            for line in _cluster(layer, labels[layer], groups, collapsed.get(layer, []), sideways)
        ]


def _cluster(
    layer: str,
    place: Place,
    groups: dict[str | None, list[list[str]]],
    neurons: list[str],
    sideways: bool,
) -> list[str]:
    """One layer's cluster, its neurons in order: neuron 0 (and w₀) first, top or left.

    dot lays out top to bottom and turns the drawing for ``rankdir=LR``; inside a cluster it
    does not reverse the order for that turn, so sideways the nodes and neuron clusters are
    written last to first. Collapsed neurons are also chained by invisible edges on one rank,
    which crossing minimisation keeps in order (sideways, chained backwards for the turn).
    """

    def in_order(items: list[Any]) -> list[Any]:
        return items[::-1] if sideways else items

    lines = [
        f'subgraph "cluster_{layer}" {{',
        f'label="layer {place.layer_index}" style="rounded,dashed" color="#9a8cc2" '
        'fontcolor="#5a4a8a" fontsize=11',
    ]
    for node_lines in groups.get(None, []):
        lines.extend(node_lines)
    if len(neurons) > 1:
        lines.append(f"{{rank=same {' -> '.join(in_order(neurons))} [style=invis]}}")
    for neuron in in_order([neuron for neuron in groups if neuron is not None]):
        index = neuron_index(neuron)
        lines.append(f'subgraph "cluster_{neuron}" {{')
        lines.append(
            f'label="neuron {index}" style="rounded,filled" fillcolor="#faf8ff" '
            'color="#c9bfe6" fontcolor="#5a4a8a" fontsize=10'
        )
        for node_lines in in_order(groups[neuron]):
            lines.extend(node_lines)
        lines.append("}")
    lines.append("}")
    return lines


def _backward_ran(order: list[Node], root: Node) -> bool:
    """Whether gradients have been computed: some node that needs one has a non-zero grad.

    A backward pass from the root gives the root a gradient (1): an op's output whose grad is
    still 0 was not backpropagated from, even when its operands hold gradients of another
    pass (a gradient ∂L/∂θ1 built with create_graph shares its operands with L's graph).
    """
    own = grad_number(root.grad)
    if root.children and (own is None or (isinstance(own, float) and own == 0)):
        return False
    for node in order:
        if not node.requires_grad:
            continue
        grad = grad_number(node.grad)
        if grad is None:
            continue
        if isinstance(grad, float):
            if grad != 0:
                return True
        elif bool((grad != 0).any()):
            return True
    return False


def grad_number(grad: Any) -> Any:
    """A gradient's number(s): after ``backward(create_graph=True)`` a grad is itself a Value
    (Tensor) with a graph, and the picture shows its data."""
    return grad.data if hasattr(grad, "requires_grad") else grad
