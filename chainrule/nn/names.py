"""The grammar of nn's names, read back into their parts: ``layers.1.neurons.0.w.2``.

`Module.named_parameters` names every parameter by its attribute path, and models label the
value a neuron outputs with the neuron's path. For the MLPs here that gives
``layers.L.neurons.N.w.I`` and ``layers.L.neurons.N.b`` (scalar), ``layers.L.neurons.N``
(a neuron's output), ``layers.L.w`` and ``layers.L.b`` (batched), and PyTorch's
``layers.L.weight`` / ``.bias``; any prefix before ``layers`` is kept (a model inside a model).
viz reads model structure from these names through `parse_name`, never with a grammar of its
own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = re.compile(
    r"^(?P<layer>(?:.+\.)?layers\.(?P<layer_index>\d+))"
    r"(?:\.neurons\.(?P<neuron_index>\d+))?"
    r"(?:\.(?P<parameter>w\.(?P<weight_index>\d+)|b|w|weight|bias))?$"
)


@dataclass(frozen=True)
class ModelName:
    """The parts of a name in a model.

    Attributes:
        layer: the layer's path, with any prefix (``"layers.1"``).
        layer_index: L.
        neuron_index: N, or None for a name of the whole layer.
        parameter: ``"w"``, ``"b"``, ``"weight"`` or ``"bias"``; None for a neuron's (or a
            layer's) output.
        weight_index: I of ``w.I``, else None.
    """

    layer: str
    layer_index: int
    neuron_index: int | None
    parameter: str | None
    weight_index: int | None

    @property
    def neuron(self) -> str | None:
        """The neuron's path (``"layers.1.neurons.0"``), or None outside neurons."""
        return None if self.neuron_index is None else f"{self.layer}.neurons.{self.neuron_index}"


def parse_name(name: str | None) -> ModelName | None:
    """The parts of a parameter name or model label; None when `name` is not one.

    >>> parse_name("layers.1.neurons.0.w.2")
    ModelName(layer='layers.1', layer_index=1, neuron_index=0, parameter='w', weight_index=2)
    >>> parse_name("layers.0.b").neuron is None, parse_name("x0")
    (True, None)
    """
    match = _NAME.match(name or "")
    if match is None:
        return None
    neuron, weight = match.group("neuron_index"), match.group("weight_index")
    parameter = match.group("parameter")
    return ModelName(
        layer=match.group("layer"),
        layer_index=int(match.group("layer_index")),
        neuron_index=None if neuron is None else int(neuron),
        parameter="w" if weight is not None else parameter,
        weight_index=None if weight is None else int(weight),
    )
