"""`Module`: the base of every model, which finds its parameters and names them by attribute path.

Parameters are found as PyTorch finds them, by walking the attributes in definition order:
a `Value` that requires grad, a Tensor that requires grad, a sub-`Module`, or a list of any
of these (indexed by position). Names are the dotted attribute paths
(``layers.0.neurons.3.w.1``), stable from run to run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.engine.value import Value

Parameter = Any  # a Value, or a Tensor that requires grad


def _is_tensor(x: object) -> bool:
    """True for a chainrule Tensor (whose grad is None or an array, where a Value's is a float)."""
    return isinstance(x, Tensor)


def zero_grads(parameters: Iterable[Parameter]) -> None:
    """Reset each gradient as PyTorch does: None for a Tensor; 0.0 for a Value (a float)."""
    for p in parameters:
        p.grad = None if _is_tensor(p) else 0.0


class Module:
    """Base class: parameter discovery and naming, gradient reset, state dicts.

    >>> from chainrule.nn import MLP
    >>> model = MLP(2, [3, 1], seed=0)
    >>> len(model.parameters()), next(iter(model.named_parameters()))[0]
    (13, 'layers.0.neurons.0.w.0')
    """

    def named_children(self) -> Iterator[tuple[str, Any]]:
        """Attributes that may hold parameters, as (name, object), in definition order."""
        for name, attribute in vars(self).items():
            if not name.startswith("_"):
                yield name, attribute

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """Every parameter with its dotted name, in a stable order.

        Args:
            prefix: prepended to every name (``"layers.0."``).

        Returns:
            An iterator of ``(name, parameter)`` pairs.
        """
        stack: list[tuple[str, Any]] = [(prefix + n, a) for n, a in self.named_children()]
        stack.reverse()
        while stack:  # iterative, depth-first, in definition order
            name, item = stack.pop()
            if isinstance(item, (Value, Tensor)):
                if item.requires_grad:
                    yield name, item
            elif isinstance(item, Module):
                children = [(f"{name}.{n}", a) for n, a in item.named_children()]
                stack.extend(reversed(children))
            elif isinstance(item, (list, tuple)):
                stack.extend((f"{name}.{i}", a) for i, a in reversed(list(enumerate(item))))

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module (named `prefix`) and every sub-module, with dotted names."""
        stack: list[tuple[str, Any]] = [(prefix, self)]
        while stack:
            name, item = stack.pop()
            if isinstance(item, Module):
                yield name, item
                dot = f"{name}." if name else ""
                children = [(dot + n, a) for n, a in item.named_children()]
                stack.extend(reversed(children))
            elif isinstance(item, (list, tuple)):
                stack.extend((f"{name}.{i}", a) for i, a in reversed(list(enumerate(item))))

    def parameters(self) -> list[Parameter]:
        """Every parameter, in the order of `named_parameters`."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient (0.0 for a Value, None for a Tensor)."""
        zero_grads(self.parameters())

    def label_parameters(self) -> None:
        """Set each parameter's label to its dotted name, so diagrams show where it lives."""
        for name, p in self.named_parameters():
            p.label = name

    # ------------------------------------------------------------------------- state
    def state_dict(self) -> dict[str, float | np.ndarray]:
        """Parameter values by name: a float per Value, a copied ndarray per Tensor."""
        return {
            name: p.data.copy() if _is_tensor(p) else p.data for name, p in self.named_parameters()
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Copy values into the parameters, strictly.

        Args:
            state: a mapping as returned by `state_dict` (lists are accepted for arrays).

        Raises:
            ValueError: when keys are missing or unexpected, or a value has the wrong shape.
            TypeError: when a value is not a number (or array of numbers).
        """
        parameters = dict(self.named_parameters())
        missing = [k for k in parameters if k not in state]
        unexpected = [k for k in state if k not in parameters]
        if missing or unexpected:
            raise ValueError(
                f"state does not match {type(self).__name__}: "
                f"missing keys {_short(missing)}, unexpected keys {_short(unexpected)}"
            )
        converted = {name: _checked(name, p, state[name]) for name, p in parameters.items()}
        for name, p in parameters.items():  # only assign once everything is known to fit
            if _is_tensor(p):
                p.data[...] = converted[name]
            else:
                p.data = converted[name]


def _checked(name: str, parameter: Parameter, value: Any) -> Any:
    """`value` as the parameter's type (float or array of its shape), or an error naming it."""
    if _is_tensor(parameter):
        try:
            array = np.asarray(value, dtype=parameter.data.dtype)
        except (TypeError, ValueError):
            raise TypeError(f"{name}: expected an array of numbers, got {value!r:.60}") from None
        if array.shape != parameter.data.shape:
            raise ValueError(
                f"{name}: shape mismatch, expected {parameter.data.shape}, got {array.shape}"
            )
        return array
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if isinstance(value, (bool, str)) or not isinstance(value, (int, float, np.number)):
        shape = getattr(np.asarray(value, dtype=object), "shape", None)
        if isinstance(value, (list, tuple, np.ndarray)):
            raise ValueError(f"{name}: shape mismatch, expected a scalar, got shape {shape}")
        raise TypeError(f"{name}: expected a number, got {type(value).__name__}")
    return float(value)


def _short(names: list[str], limit: int = 5) -> str:
    if not names:
        return "none"
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more
