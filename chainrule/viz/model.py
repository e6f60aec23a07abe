"""Model structure read from labels: the layer, neuron and role of each node of a model graph.

`chainrule.nn` labels parameters with dotted names (``layers.0.neurons.3.w.1``,
``layers.0.neurons.3.b``) and the value a neuron outputs with the neuron's path
(``layers.0.neurons.3``). A node without such a label belongs to a neuron when every value
that uses it does (the products and sums inside w·x + b); anything else stays outside.

Each model value gets a short name for the picture (``w₁``, ``b``, ``out``; ``p₁`` for the
product w₁·x₁, ``s₁`` for the running sum p₀ + p₁, ``z`` for w·x + b) and a place-qualified
name for text, ``w₁[1.0]``: weight 1 of neuron 0 of layer 1.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from chainrule.engine.node import Node
from chainrule.nn.names import ModelName, parse_name
from chainrule.viz.format import subscript


def is_constant(node: Node) -> bool:
    """A number mixed into an op: a leaf that needs no gradient and has no label."""
    return not node.children and not node.requires_grad and node.label is None


@dataclass(frozen=True)
class Place:
    """Where a node sits in a model: its layer, and its neuron if it has one."""

    layer: str
    layer_index: int
    neuron: str | None
    neuron_index: int | None

    def qualify(self, short: str) -> str:
        """``short[layer.neuron]`` (``w₁[1.0]``), or ``short[layer]`` outside neurons."""
        where = f"{self.layer_index}"
        if self.neuron_index is not None:
            where += f".{self.neuron_index}"
        return f"{short}[{where}]"


def parse_label(label: str | None) -> tuple[Place, str | None] | None:
    """Read a model label: its place and the short name to draw (``w₁``, ``b``, ``out``).

    >>> place, short = parse_label("layers.0.neurons.3.w.1")
    >>> place.neuron, short, place.qualify(short)
    ('layers.0.neurons.3', 'w₁', 'w₁[0.3]')
    """
    name = parse_name(label)
    return None if name is None else _place_and_short(name)


def _place_and_short(name: ModelName) -> tuple[Place, str | None]:
    place = Place(name.layer, name.layer_index, name.neuron, name.neuron_index)
    if name.parameter is None:
        short = "out" if name.neuron is not None else None
    elif name.weight_index is not None:
        short = subscript(f"w{name.weight_index}")
    else:
        short = name.parameter
    return place, short


class ModelLayout:
    """The layer and neuron of every node, short names to draw and qualified names for text.

    Args:
        order: the graph's nodes in creation order.
        index: each node's position in `order`.
    """

    def __init__(self, order: list[Node], index: dict[Node, int]) -> None:
        self.places: dict[int, Place] = {}
        self.short_names: dict[int, str] = {}
        self.qualified_names: dict[int, str] = {}
        self.neuron_outputs: dict[str, Node] = {}
        self._weights: dict[int, int] = {}  # node index → weight index, for w and p = w·x
        users: dict[int, list[int]] = {}
        for node in order:
            for child in node.children:
                users.setdefault(index[child], []).append(index[node])
        # Users come after what they use in creation order: walking backwards, every user's
        # place is known before the node's own.
        for node in reversed(order):
            i = index[node]
            name = parse_name(node.label)
            if name is not None:
                place, short = _place_and_short(name)
                self.places[i] = place
                if short is not None:
                    self.short_names[i] = short
                    self.qualified_names[i] = place.qualify(short)
                if name.weight_index is not None:
                    self._weights[i] = name.weight_index
                if place.neuron is not None and node.label == place.neuron:
                    self.neuron_outputs[place.neuron] = node
            elif node.label is None and not is_constant(node) and i in users:
                around = {self.places.get(u) for u in users[i]}
                if len(around) == 1 and None not in around:
                    self.places[i] = around.pop()  # type: ignore[assignment]
        self._name_roles(order, index)

    @property
    def is_model(self) -> bool:
        return bool(self.places)

    def place(self, index: int) -> Place | None:
        return self.places.get(index)

    def _name_roles(self, order: list[Node], index: dict[Node, int]) -> None:
        """Name the unlabelled values inside a neuron by what they are in w·x + b.

        Neuron builds ((w₀·x₀ + w₁·x₁) + w₂·x₂) + b: products p_k = w_k·x_k, running sums
        s_k = s_(k−1) + p_k (s₁ = p₀ + p₁), and z = … + b, the input of the activation. A
        role name that would repeat (the model applied to several samples) is not given.
        """
        roles: dict[int, str] = {}
        for node in order:
            i = index[node]
            place = self.places.get(i)
            if node.label is not None or place is None or place.neuron is None:
                continue
            children = [index[child] for child in node.children]
            weights = [self._weights[c] for c in children if c in self._weights]
            if node.op == "*" and weights:
                self._weights[i] = weights[0]
                roles[i] = subscript(f"p{weights[0]}")
            elif node.op == "+" and any(is_bias(child, place.neuron) for child in node.children):
                roles[i] = "z"
            elif node.op == "+" and weights:
                roles[i] = subscript(f"s{max(weights)}")
        counts = Counter(self.places[i].qualify(short) for i, short in roles.items())
        for i, short in roles.items():
            qualified = self.places[i].qualify(short)
            if counts[qualified] == 1:
                self.short_names[i] = short
                self.qualified_names[i] = qualified


def neuron_index(neuron: str) -> int:
    """N of a neuron's path ``layers.L.neurons.N`` (as nn names it).

    >>> neuron_index("layers.1.neurons.12")
    12
    """
    name = parse_name(neuron)
    if name is None or name.neuron_index is None:
        raise ValueError(f"{neuron!r} is not the path of a neuron")
    return name.neuron_index


def is_bias(node: Node, neuron: str | None = None) -> bool:
    """Whether `node` is the bias (``layers.L.neurons.N.b``) of `neuron`, or any bias when
    `neuron` is None, by nn's names."""
    name = parse_name(node.label)
    if name is None or name.parameter != "b":
        return False
    return neuron is None or name.neuron == neuron


def is_weight(node: Node, neuron: str | None = None) -> bool:
    """Whether `node` is a weight (``layers.L.neurons.N.w.I``) of `neuron`, or of any neuron
    when `neuron` is None, by nn's names.

    >>> from chainrule import Value
    >>> w = Value(0.5, label="layers.0.neurons.1.w.2")
    >>> is_weight(w), is_weight(w, "layers.0.neurons.1"), is_weight(w, "layers.0.neurons.10")
    (True, True, False)
    """
    name = parse_name(node.label)
    if name is None or name.weight_index is None:
        return False
    return neuron is None or name.neuron == neuron


def role_text(short: str) -> str | None:
    """What a role-named value computes, in the neuron's own terms: ``p₁`` → ``= w₁·x₁``."""
    if short == "z":
        return "= w·x + b"
    digits = short[1:]
    if short.startswith("p") and digits:
        return f"= w{digits}·x{digits}"
    if short.startswith("s") and digits:
        return "= p₀ + p₁" if digits == "₁" else f"= p₀ + … + p{digits}"
    return None
