"""The backward pass and the chain rule as terminal text: the same story the step pictures tell."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chainrule.engine.higher import derivative_name
from chainrule.engine.node import Node
from chainrule.viz.chain import chain_rule_lines
from chainrule.viz.dot import find_node
from chainrule.viz.format import format_data
from chainrule.viz.model import is_weight
from chainrule.viz.naming import CONSTANT, GraphNames, is_constant
from chainrule.viz.steps import replay

MAX_FORWARD_LINES = 200
#: explain() refuses graphs of more values than this unless told otherwise: its text has
#: about three lines per value (linear, but 10⁵ values are 3·10⁵ lines and tens of seconds).
MAX_EXPLAIN_NODES = 10_000
#: The chain rule for `wrt` is written path by path up to these sizes; past them, the
#: number of paths and their sum (paths can be exponentially many, or n of length n).
MAX_CHAIN_PATHS = 64
MAX_CHAIN_FACTORS = 2_000


def explain(
    root: Node, wrt: Node | None = None, *, max_nodes: int | None = MAX_EXPLAIN_NODES
) -> str:
    """Tell the forward pass, every backward step and the resulting gradients as text.

    Uses the same names as the diagrams (unlabelled values are ``a, b, c …`` in creation
    order, the root ``L``, a model's values ``w₁[1.0]``, ``z[1.0]`` … with their full labels
    beside the gradients). The graph's gradients are left as they were.

    Args:
        root: the output `Value`.
        wrt: a leaf (or its label): also write the chain rule for ∂root/∂wrt path by path
            (when there are at most 64 paths of 2000 factors in all; else their number and sum).
        max_nodes: refuse graphs of more values than this (None: no limit).

    Returns:
        The text, lines separated by newlines.

    Raises:
        TypeError: if `root` is not a `Value`.
        ValueError: if `wrt` is not in the graph, `root` does not require grad, or the graph
            has more than `max_nodes` values.

    >>> from chainrule import Value
    >>> w = Value(3.0, label="w"); x = Value(2.0, label="x", requires_grad=False)
    >>> print(explain(w * x + 1, wrt="w").splitlines()[-1])
    ∂L/∂w = ∂L/∂a · ∂a/∂w = 1 · x = 1 · 2 = 2
    """
    names = GraphNames(root)
    if max_nodes is not None and len(names.order) > max_nodes:
        raise ValueError(
            f"the graph has {len(names.order)} values, more than max_nodes={max_nodes}: "
            "explain a smaller graph, or pass a larger max_nodes= (None: no limit)"
        )
    leaf = find_node(names, wrt) if wrt is not None else None
    frames = replay(names)
    lines = _model_legend(names)
    lines.append("Forward pass (in creation order):")
    lines.extend(_forward_lines(names))
    lines.append("")
    root_name = names.name(root)
    lines.append(
        f"Backward pass (reverse order), each line {derivative_name(root_name, 'child')} "
        "= upstream · local:"
    )
    for frame in frames:
        lines.append(f"  {frame.title}")
        lines.extend(f"      {formula}" for formula in frame.formulas)
    lines.append("")
    lines.append("Gradients:")
    lines.extend(_gradient_lines(names, frames[-1].grads))
    if leaf is not None:
        lines.append("")
        lines.append(f"Chain rule for {names.name(leaf)}{_full_name(names, leaf)}:")
        chain = chain_rule_lines(
            names, leaf, max_paths=MAX_CHAIN_PATHS, max_factors=MAX_CHAIN_FACTORS
        )
        lines.append(" ".join(chain) if len(chain) <= 3 else "\n".join(chain))
    return "\n".join(lines)


def _gradient_lines(names: GraphNames, final: Mapping[int, Any]) -> list[str]:
    """∂L/∂leaf for every leaf that needs a gradient, a model's full labels in a column."""
    root_name = names.name(names.root)
    leaves = [node for node in names.order if not node.children and node.requires_grad]
    texts = [
        f"  {derivative_name(root_name, names.name(node))} = "
        f"{format_data(final.get(names.id(node), 0.0))}"
        for node in leaves
    ]
    width = max((len(text) for text in texts), default=0)
    return [
        (text.ljust(width) + _full_name(names, node, "   ")).rstrip()
        for text, node in zip(texts, leaves)
    ]


def _full_name(names: GraphNames, node: Node, gap: str = " ") -> str:
    """`` (layers.1.neurons.0.w.1)`` after a short model name, else nothing."""
    full = names.full_name(node)
    return f"{gap}({full})" if full != names.name(node) else ""


def _model_legend(names: GraphNames) -> list[str]:
    """How a model's values are named, with one of the graph's own parameters as example."""
    examples = [
        node
        for node in names.order
        if not node.children
        and names.full_name(node) != names.name(node)
        and names.id(node) in names.model.places
    ]
    if not examples:
        return []
    weights = [node for node in examples if is_weight(node)]
    example = (weights or examples)[-1]
    return [
        f"Model values are named role[layer.neuron]: {names.name(example)} is {example.label};",
        "p = w·x, s = a running sum of the p, z = w·x + b, out = the neuron's output f(z).",
        "",
    ]


def _forward_lines(names: GraphNames) -> list[str]:
    shown = [node for node in names.order if not is_constant(node)]
    lines = []
    for node in shown[:MAX_FORWARD_LINES]:
        name = names.name(node)
        role = names.role(node)
        if node.children:
            text = f"{name} = {names.definition(node)} = {format_data(node.data)}"
        else:
            text = f"{name} = {format_data(node.data)}"
        tag = "" if role in ("intermediate", CONSTANT) else f"  [{role}]"
        lines.append(f"  {text}{tag}")
    if len(shown) > MAX_FORWARD_LINES:
        lines.append(f"  … {len(shown) - MAX_FORWARD_LINES} more values")
    return lines
