"""The chain rule written out: one backward step's products, and every path from a leaf to the root.

Each product is written three ways, symbols, formulas, numbers, so that a reader can follow
∂L/∂b = ∂L/∂c · ∂c/∂b = 2c · 1 = (−5) · 1 = −5 from the definition to the value.
"""

from __future__ import annotations

import math
from typing import Any

from chainrule.engine import graph
from chainrule.engine.node import Node, as_scalar
from chainrule.viz.format import format_data, format_number, format_signed
from chainrule.viz.naming import GraphNames


def _number(x: Any) -> str:
    return format_signed(x) if isinstance(x, (int, float)) else format_data(x)


def _join_equalities(parts: list[str]) -> str:
    """``p0 = p1 = …``, leaving out a part equal to the one before it."""
    kept: list[str] = []
    for part in parts:
        if part and (not kept or part != kept[-1]):
            kept.append(part)
    return " = ".join(kept)


def local_text(
    names: GraphNames, node: Node, child: Node, *, expand: bool = False, position: int | None = None
) -> str:
    """∂node/∂child as a formula (``x``, ``2c``), or its number when the op has no formula.

    `position` (the child's first place among the operands) spares a scan of them, which
    on an op over n operands, asked once per operand, would cost n².
    """
    if position is None:
        position = next(i for i, c in enumerate(node.children) if c is child)
    formula = names.local_formula(node, position, expand=expand)
    return formula if formula is not None else _number(as_scalar(node).local_grads[position])


def _first_positions(node: Any) -> dict[Any, int]:
    """Each operand's first place among `node`'s operands (``a*a``: a → 0)."""
    positions: dict[Any, int] = {}
    for position, child in enumerate(node.children):
        positions.setdefault(child, position)
    return positions


def seed_formula(names: GraphNames, seed: float = 1.0) -> str:
    """The first step of every backward pass: ∂L/∂L = 1."""
    root = names.root
    return f"{names.partial(root, root)} = {format_number(seed)}"


def step_formulas(
    names: GraphNames, step: graph.BackwardStep, before: dict[Any, Any] | None = None
) -> list[str]:
    """One line per edge of a backward step: ∂L/∂child = ∂L/∂node · ∂node/∂child = … = value.

    Args:
        names: the graph's names.
        step: the step, as `graph.backward_steps` yields it.
        before: each child's gradient before this step, to write ``+=`` for a second path.
    """
    root, node = names.root, step.node
    running = dict(before or {})
    positions = _first_positions(node)
    lines = []
    for contribution in step.contributions:
        child = contribution.child
        local_symbol = local_text(names, node, child, position=positions[child])
        local_value = _number(contribution.local_grad)
        if node is root:
            parts = [names.partial(root, child), local_symbol]
        else:
            upstream = _number(step.grad)
            upstream_symbol = upstream
            if names.uses.get(node) == 1 and node in root.children:
                # ∂L/∂node is then the root's own local derivative: write it as a formula
                upstream_symbol = _as_factor(local_text(names, root, node))
            parts = [
                names.partial(root, child),
                f"{names.partial(root, node)} · {names.partial(node, child)}",
                f"{upstream_symbol} · {_as_factor(local_symbol)}",
                f"{upstream} · {local_value}",
            ]
        parts.append(_number_plain(contribution.amount))
        line = _join_equalities(parts)
        previous = running.get(child)
        if previous is not None and _nonzero(previous):
            lhs = names.partial(root, child)
            line = line.replace(f"{lhs} = ", f"{lhs} += ", 1)
            line += f"  (total {_number_plain(previous + contribution.amount)})"
        running[child] = contribution.amount if previous is None else previous + contribution.amount
        lines.append(line)
    return lines


def _as_factor(text: str) -> str:
    """Parenthesise a sum, difference or negation used as a factor: ``x − 1`` → ``(x − 1)``."""
    if text.startswith("−") or " if " in text:  # a negation, or ReLU's "1 if a > 0 else 0"
        return f"({text})"
    depth = 0
    for n, character in enumerate(text):
        if character in "([":
            depth += 1
        elif character in ")]":
            depth -= 1
        elif depth == 0 and character in "+−" and text[n - 1 : n] == " ":
            return f"({text})"
    return text


def _number_plain(x: Any) -> str:
    return format_number(x) if isinstance(x, (int, float)) else format_data(x)


def _nonzero(x: Any) -> bool:
    try:
        return bool(x != 0)
    except ValueError:  # an array
        return bool((x != 0).any())


def path_lines(names: GraphNames, path: graph.Path) -> tuple[str, str, str, float]:
    """One chain-rule path as symbols, formulas and numbers, and its product."""
    pairs = list(zip(path.nodes, path.nodes[1:]))
    symbols = " · ".join(names.partial(node, child) for node, child in pairs)
    formulas = " · ".join(
        _as_factor(local_text(names, node, child, expand=True)) for node, child in pairs
    )
    numbers = " · ".join(_number(local) for local in path.local_grads)
    return symbols, formulas, numbers, path.product


def chain_rule_lines(
    names: GraphNames,
    leaf: Node,
    *,
    max_paths: int | None = None,
    max_factors: int | None = None,
) -> list[str]:
    """The chain rule for ∂root/∂leaf, summed over every path from the leaf to the root.

    Args:
        names: the graph's names.
        leaf: the value to differentiate with respect to.
        max_paths: list the paths only when there are at most this many (None: always);
            past it, only their number and the sum (a model has one path per neuron it
            passes through, so their number grows exponentially with depth).
        max_factors: likewise, list them only when they have at most this many local
            derivatives in all (a chain of n steps that uses x at every step has n paths of
            up to n factors: n² to write).

    >>> from chainrule import Value
    >>> t1, t2 = Value(0.5, label="θ1"), Value(-1.5, label="θ2")
    >>> x = Value(2.0, label="x", requires_grad=False)
    >>> y = Value(1.0, label="y", requires_grad=False)
    >>> L = (t1 * t2 * x - y) ** 2
    >>> for line in chain_rule_lines(GraphNames(L), t1):
    ...     print(line)
    ∂L/∂θ1 = ∂L/∂c · ∂c/∂b · ∂b/∂a · ∂a/∂θ1
    = 2(θ1·θ2·x − y) · 1 · x · θ2
    = (−5) · 1 · 2 · (−1.5) = 15
    """
    lhs = names.partial(names.root, leaf)
    leaf_name, root_name = names.name(leaf), names.name(names.root)
    if max_paths is not None or max_factors is not None:
        count, total, factors = _path_totals(names, leaf)
        if max_paths is not None and count > max_paths:
            why = "too many to write out"
        elif max_factors is not None and factors > max_factors:
            why = f"{factors} local derivatives in all: too long to write out"
        else:
            why = ""
        if why:
            paths = "1 path" if count == 1 else f"{count} paths"
            return [
                f"{lhs} = sum over {paths} from {leaf_name} to {root_name} ({why}):",
                f"= {format_number(total)}",
            ]
    found = graph.paths(names.root, leaf)
    if len(found) == 1:
        symbols, formulas, numbers, product = path_lines(names, found[0])
        lines = [lhs if symbols == lhs else f"{lhs} = {symbols}"]  # one edge: ∂L/∂w is it
        if formulas != numbers:
            lines.append(f"= {formulas}")
        value = format_number(product)
        lines.append(f"= {numbers}" if numbers == value else f"= {numbers} = {value}")
        return lines
    lines = [f"{lhs} = sum over {len(found)} paths from {leaf_name} to {root_name}:"]
    for number, path in enumerate(found, start=1):
        symbols, formulas, numbers, product = path_lines(names, path)
        text = _join_equalities([symbols, formulas, numbers, format_number(product)])
        lines.append(f"  path {number}: {text}")
    total = math.fsum(path.product for path in found)
    terms = " + ".join(
        (_number_plain if n == 0 else _number)(path.product) for n, path in enumerate(found)
    )
    lines.append(f"= {terms} = {format_number(total)}")
    return lines


def path_count_and_sum(names: GraphNames, leaf: Node) -> tuple[int, float]:
    """How many paths lead from `leaf` to the root, and the sum of their products.

    Both without listing the paths: in creation order (operands first), a node's count is the
    sum of its operands' counts and its derivative with respect to the leaf is
    Σ local derivative · the operand's (forward-mode accumulation), so the work grows with the
    number of edges, not of paths.
    """
    count, total, _ = _path_totals(names, leaf)
    return count, total


def _path_totals(names: GraphNames, leaf: Any) -> tuple[int, float, int]:
    """`path_count_and_sum`, and the number of local derivatives on all the paths together.

    A node's paths are its operands' paths, each one edge longer, so its factor total is
    Σ (the operand's factor total + the operand's path count).
    """
    count = {names.id(leaf): 1}
    derivative = {names.id(leaf): 1.0}
    factors = {names.id(leaf): 0}
    for node in names.order[names.id(leaf) + 1 :]:
        paths, total, length = 0, 0.0, 0
        for child, local in zip(node.children, as_scalar(node).local_grads):
            c = names.id(child)
            if c in count:
                paths += count[c]
                total += local * derivative[c]
                length += factors[c] + count[c]
        if paths:
            i = names.id(node)
            count[i], derivative[i], factors[i] = paths, total, length
    root = names.id(names.root)
    return count.get(root, 0), derivative.get(root, 0.0), factors.get(root, 0)
