"""What a diagram shows before it becomes DOT: drawn nodes, folded constants, edges, clusters.

A constant operand is folded into its op's label (``× 2``), a collapsed neuron stands for
every node inside it, and every other non-constant node is one value record plus, when an op
made it, one op node.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from chainrule.engine.ops import op_info
from chainrule.viz.format import format_constant, format_data
from chainrule.viz.model import Place
from chainrule.viz.naming import GraphNames, is_constant


class Edge(NamedTuple):
    """One drawn edge: ``tail → head``; `operand`/`position` say which operand it carries."""

    tail: str
    head: str
    operand: int | None
    result: int
    position: int | None


class Scene:
    """The nodes and edges one picture of the graph of `names.root` draws."""

    def __init__(self, names: GraphNames, *, collapse: str | None, show_grad: bool) -> None:
        self.names = names
        self.show_grad = show_grad
        self.model = names.model
        self.collapsed: dict[int, int] = {}  # node index → index of its neuron's output
        if collapse == "neuron":
            for i, place in self.model.places.items():
                output = self.model.neuron_outputs.get(place.neuron or "")
                if output is not None:
                    self.collapsed[i] = names.id(output)
        self.drawn = [
            node
            for node in names.order
            if not is_constant(node) and names.id(node) not in self.collapsed
        ]
        neurons = sorted(set(self.collapsed.values()))
        self.node_count = len(neurons) + sum(2 if n.children else 1 for n in self.drawn)
        self.backward_ran = _backward_ran(names.order, names.root)

    def grad_value(self, node: Any) -> Any:
        """The gradient to show: None (blank) before backward, else the node's grad."""
        if not self.backward_ran:
            return None
        return grad_number(node.grad)

    def display_name(self, node: Any) -> str:
        """The name drawn in the record: short (``w₁``) inside a model's cluster."""
        short = self.model.short_names.get(self.names.id(node))
        return short if short is not None else self.names.name(node)

    def op_label(self, node: Any) -> str:
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

    def edges(self) -> list[Edge]:
        """Every drawn edge, in creation order of the results."""
        names, rep = self.names, self.collapsed.get
        edges: list[Edge] = []
        seen: set[tuple[str, str]] = set()
        for node in names.order:
            i = names.id(node)
            if not node.children:
                continue
            head = f"v{rep(i)}" if i in self.collapsed else f"op{i}"
            if i not in self.collapsed:
                edges.append(Edge(f"op{i}", f"v{i}", None, i, None))
            for position, child in enumerate(node.children):
                if is_constant(child):
                    continue
                c = names.id(child)
                tail = f"v{rep(c, c)}"
                if i in self.collapsed:
                    if rep(c) == rep(i) or (tail, head) in seen:
                        continue
                    seen.add((tail, head))
                    edges.append(Edge(tail, head, None, i, None))
                else:
                    edges.append(Edge(tail, head, c, i, position))
        return edges

    def body(
        self,
        value_lines: Callable[[Any], list[str]],
        neuron_lines: Callable[[str], list[str]],
        *,
        rankdir: str = "LR",
    ) -> list[str]:
        """Node statements, nested in layer and neuron clusters for a model graph.

        Args:
            value_lines: the DOT lines of one drawn value (its record and op node).
            neuron_lines: the DOT lines of one collapsed neuron, by the neuron's label.
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
        for key in dict.fromkeys(
            self.names.order[i].label for i in sorted(set(self.collapsed.values()))
        ):
            output = self.names.id(self.model.neuron_outputs[key])
            place = self.model.places[output]
            labels[place.layer] = place
            clusters.setdefault(place.layer, {}).setdefault(None, []).append(neuron_lines(key))
            collapsed.setdefault(place.layer, []).append(f"v{output}")
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
        index = neuron.rsplit(".", 1)[-1]
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


def _backward_ran(order: list[Any], root: Any) -> bool:
    """Whether gradients have been computed: some node that needs one has a non-zero grad.

    A backward pass from the root gives the root a gradient (1): an op's output whose grad is
    still 0 was not backpropagated from, even when its operands hold gradients of another
    pass (a gradient ∂L/∂θ1 built with create_graph shares its operands with L's graph).
    """
    if root.children and grad_number(root.grad) == 0:
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
