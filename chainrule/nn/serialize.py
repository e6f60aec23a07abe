"""`save` and `load`: models as JSON files (format name and version, architecture, weights).

A file is written by the package's one atomic writer (`chainrule._files.write_atomic`): a
crash never leaves half a file, and only a regular file is ever replaced. Nothing is ever
unpickled: `load` rebuilds the model from a registry of known kinds and checks every field,
raising `ValueError` with the reason.
"""

from __future__ import annotations

import importlib
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from chainrule._files import write_atomic
from chainrule.nn.module import Module

FORMAT = "chainrule.model"
VERSION = 1

#: Model kinds that can be saved: kind → class, or "module:ClassName" imported on first use.
_REGISTRY: dict[str, Any] = {
    "MLP": "chainrule.nn.layers:MLP",
    "Layer": "chainrule.nn.layers:Layer",
    "Neuron": "chainrule.nn.layers:Neuron",
    "batched.MLP": "chainrule.nn.batched:MLP",
}


def register_model(kind: str, cls: type) -> None:
    """Make a model class savable under the name `kind`.

    The class needs ``config()`` (JSON-able constructor keyword arguments), a constructor
    accepting them, and `Module`'s ``state_dict()`` / ``load_state_dict()``; with a static
    ``parameter_count(config)``, `load` checks a file's size claim before building anything.
    """
    _REGISTRY[kind] = cls


def _resolve(kind: str) -> type | None:
    entry = _REGISTRY.get(kind)
    if isinstance(entry, str):
        module_name, _, class_name = entry.partition(":")
        try:
            entry = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError):
            return None
        _REGISTRY[kind] = entry
    return entry


def _kind_of(model: Module) -> str:
    for kind in list(_REGISTRY):
        if _resolve(kind) is type(model):
            return kind
    raise TypeError(f"cannot save a {type(model).__name__}: known kinds are {', '.join(_REGISTRY)}")


def _encode(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return {"shape": list(value.shape), "data": value.ravel().tolist()}
    return float(value)


def save(model: Module, path: str | os.PathLike[str]) -> None:
    """Write `model` to `path` as JSON, atomically.

    Raises:
        TypeError: for a model class that is not registered.
        ValueError: for a model whose architecture cannot be written (a custom activation).

    >>> import tempfile, os
    >>> from chainrule.nn import MLP, load
    >>> model = MLP(2, [3, 1], seed=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
    >>> save(model, path)
    >>> load(path)([1.0, 2.0]).data == model([1.0, 2.0]).data
    True
    """
    kind = _kind_of(model)
    config = model.config()  # type: ignore[attr-defined]
    _check_config(config)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "kind": kind,
        "config": config,
        "parameters": {name: _encode(v) for name, v in model.state_dict().items()},
    }
    text = _dumps(document)
    write_atomic(path, text)


def _dumps(document: dict[str, Any]) -> str:
    """JSON with one line per top-level field and per parameter (arrays stay on their line)."""
    fields = [
        f" {json.dumps(k)}: {json.dumps(v)}" for k, v in document.items() if k != "parameters"
    ]
    weights = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in document["parameters"].items()]
    lines = ["{", ",\n".join(fields) + ',\n "parameters": {', ",\n".join(weights), " }", "}"]
    return "\n".join(lines) + "\n"


def _check_config(config: dict[str, Any]) -> None:
    from chainrule.nn.activations import ACTIVATIONS

    for key in ("activation", "output_activation"):
        name = config.get(key)
        if name is not None and name not in ACTIVATIONS:
            raise ValueError(
                f"cannot save a model with the custom activation {name!r}: only named "
                f"activations ({', '.join(ACTIVATIONS)}) can be restored"
            )


def load(path: str | os.PathLike[str]) -> Module:
    """Read a model written by `save`.

    Raises:
        ValueError: if the file is not valid JSON (e.g. truncated), not a chainrule model,
            of a newer format version, of an unknown kind, or its weights do not fit the
            architecture. The message says which.
        OSError: if the file cannot be read.
    """
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a chainrule model file (not UTF-8 text)") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not valid JSON (truncated or corrupt?): {error}") from None
    except RecursionError:
        raise ValueError(f"{path}: not a chainrule model file (JSON nested too deeply)") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{path}: not a chainrule model file (no format {FORMAT!r})")
    version = document.get("version")
    if type(version) is not int or not 1 <= version <= VERSION:
        raise ValueError(f"{path}: unsupported format version {version!r} (this reads {VERSION})")
    kind = document.get("kind")
    cls = _resolve(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"{path}: unknown model kind {kind!r}; known: {', '.join(_REGISTRY)}")
    config, parameters = document.get("config"), document.get("parameters")
    if not isinstance(config, dict) or not isinstance(parameters, dict):
        raise ValueError(f"{path}: 'config' and 'parameters' must be JSON objects")
    _check_size(path, str(kind), cls, config, parameters)
    try:
        model = cls(**config)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{path}: bad architecture for a {kind}: {error}") from None
    try:
        model.load_state_dict({name: _decode(name, v) for name, v in parameters.items()})
    except (TypeError, ValueError, OverflowError) as error:
        raise ValueError(f"{path}: the weights do not fit a {kind}: {error}") from None
    return model


def _check_size(
    path: Any, kind: str, cls: type, config: dict[str, Any], parameters: dict[str, Any]
) -> None:
    """Refuse a file whose architecture needs another number of weights than it holds, from
    the sizes alone: a few bytes claiming a million neurons must not be built first."""
    counter = getattr(cls, "parameter_count", None)
    if counter is None:
        return
    try:
        needed = counter(config)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{path}: bad architecture for a {kind}: {error}") from None
    held = sum(
        len(value["data"]) if isinstance(value, dict) and isinstance(value.get("data"), list) else 1
        for value in parameters.values()
    )
    if needed != held:
        raise ValueError(
            f"{path}: the weights do not fit a {kind}: its architecture needs {needed:,} "
            f"weights and biases, the file holds {held:,}"
        )


def _decode(name: str, value: Any) -> Any:
    if isinstance(value, dict):
        shape, data = value.get("shape"), value.get("data")
        if not isinstance(shape, list) or not isinstance(data, list):
            raise ValueError(f"{name}: an array needs 'shape' and 'data' lists")
        if math.prod(shape) != len(data):
            raise ValueError(f"{name}: shape {shape} does not hold {len(data)} numbers")
        if not all(type(x) is float or type(x) is int for x in data):  # NumPy makes null nan
            raise ValueError(f"{name}: 'data' must be a list of numbers")
        return np.asarray(data, dtype=np.float64).reshape(shape)
    return value
