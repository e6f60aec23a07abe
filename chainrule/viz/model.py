"""Model structure read from labels: which layer and neuron each node of a model graph belongs to.

`chainrule.nn` labels parameters with dotted names (``layers.0.neurons.3.w.1``,
``layers.0.neurons.3.b``) and the value a neuron outputs with the neuron's path
(``layers.0.neurons.3``). A node without such a label belongs to a neuron when every value
that uses it does (the products and sums inside w·x + b); anything else stays outside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from chainrule.viz.format import subscript
from chainrule.viz.naming import GraphNames, is_constant

_MODEL_LABEL = re.compile(
    r"^(?P<layer>(?:.+\.)?layers\.(?P<layer_index>\d+))"
    r"(?:\.neurons\.(?P<neuron_index>\d+))?"
    r"(?:\.(?P<parameter>w\.(?P<weight_index>\d+)|b|weight|bias))?$"
)


@dataclass(frozen=True)
class Place:
    """Where a node sits in a model: its layer, and its neuron if it has one."""

    layer: str
    layer_index: int
    neuron: str | None
    neuron_index: int | None


def parse_label(label: str | None) -> tuple[Place, str | None] | None:
    """Read a model label: its place and the short name to draw (``w₁``, ``b``, ``out``).

    >>> place, short = parse_label("layers.0.neurons.3.w.1")
    >>> place.neuron, short
    ('layers.0.neurons.3', 'w₁')
    """
    match = _MODEL_LABEL.match(label or "")
    if match is None:
        return None
    neuron_index = match.group("neuron_index")
    neuron = None if neuron_index is None else f"{match.group('layer')}.neurons.{neuron_index}"
    place = Place(
        match.group("layer"),
        int(match.group("layer_index")),
        neuron,
        None if neuron_index is None else int(neuron_index),
    )
    parameter = match.group("parameter")
    if parameter is None:
        short = "out" if neuron is not None else None
    elif match.group("weight_index") is not None:
        short = subscript("w" + match.group("weight_index"))
    else:
        short = parameter
    return place, short


class ModelLayout:
    """The layer and neuron of every node, and short names for labelled model values."""

    def __init__(self, names: GraphNames) -> None:
        self.places: dict[int, Place] = {}
        self.short_names: dict[int, str] = {}
        self.neuron_outputs: dict[str, Any] = {}
        users: dict[int, list[int]] = {}
        for node in names.order:
            for child in node.children:
                users.setdefault(names.id(child), []).append(names.id(node))
        # Users come after what they use in creation order: walking backwards, every user's
        # place is known before the node's own.
        for node in reversed(names.order):
            i = names.id(node)
            parsed = parse_label(node.label)
            if parsed is not None:
                place, short = parsed
                self.places[i] = place
                if short is not None:
                    self.short_names[i] = short
                if place.neuron is not None and node.label == place.neuron:
                    self.neuron_outputs[place.neuron] = node
            elif node.label is None and not is_constant(node) and i in users:
                around = {self.places.get(u) for u in users[i]}
                if len(around) == 1 and None not in around:
                    self.places[i] = around.pop()  # type: ignore[assignment]

    @property
    def is_model(self) -> bool:
        return bool(self.places)

    def place(self, index: int) -> Place | None:
        return self.places.get(index)
