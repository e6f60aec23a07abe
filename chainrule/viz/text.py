"""The backward pass and the chain rule as terminal text: the same story the step pictures tell."""

from __future__ import annotations

from typing import Any

from chainrule.viz.chain import chain_rule_lines
from chainrule.viz.dot import find_node
from chainrule.viz.format import format_data
from chainrule.viz.naming import CONSTANT, GraphNames, is_constant
from chainrule.viz.steps import replay

MAX_FORWARD_LINES = 200


def explain(root: Any, wrt: Any = None) -> str:
    """Tell the forward pass, every backward step and the resulting gradients as text.

    Uses the same names as the diagrams (unlabelled values are ``a, b, c …`` in creation
    order, the root ``L``). The graph's gradients are left as they were.

    Args:
        root: the output `Value`.
        wrt: a leaf (or its label): also write the chain rule for ∂root/∂wrt path by path.

    Returns:
        The text, lines separated by newlines.

    Raises:
        ValueError: if `wrt` is not in the graph, or `root` does not require grad.

    >>> from chainrule import Value
    >>> w = Value(3.0, label="w"); x = Value(2.0, label="x", requires_grad=False)
    >>> print(explain(w * x + 1, wrt="w").splitlines()[-1])
    ∂L/∂w = ∂L/∂a · ∂a/∂w = 1 · x = 1 · 2 = 2
    """
    names = GraphNames(root)
    leaf = find_node(names, wrt) if wrt is not None else None
    frames = replay(names)
    lines = ["Forward pass (in creation order):"]
    lines.extend(_forward_lines(names))
    lines.append("")
    root_name = names.name(root)
    lines.append(
        f"Backward pass (reverse order), each line ∂{root_name}/∂child = upstream · local:"
    )
    for frame in frames:
        lines.append(f"  {frame.title}")
        lines.extend(f"      {formula}" for formula in frame.formulas)
    lines.append("")
    lines.append("Gradients:")
    final = frames[-1].grads
    for node in names.order:
        if not node.children and node.requires_grad:
            grad = final.get(names.id(node), 0.0)
            lines.append(f"  ∂{root_name}/∂{names.name(node)} = {format_data(grad)}")
    if leaf is not None:
        lines.append("")
        lines.append(f"Chain rule for {names.name(leaf)}:")
        chain = chain_rule_lines(names, leaf)
        lines.append(" ".join(chain) if len(chain) <= 3 else "\n".join(chain))
    return "\n".join(lines)


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
