"""Names, roles and symbolic formulas for the nodes of one graph, shared by draw, steps, explain.

Nodes are numbered by their index in `graph.topological_order(root)` (creation order), so
the same program always gives the same ids and names. The root is ``L`` unless it has a
label. A model's values are named by role and place (``w₁[1.0]``, ``z[1.0]``, see
`chainrule.viz.model`). Other unlabelled values get letters ``a, b, c …`` in creation order,
or ``v₁, v₂ …`` when there are more of them than letters. Every picture and story of the
graph uses the same names.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterator

from chainrule.engine import graph
from chainrule.engine.higher import derivative_name
from chainrule.engine.node import Node
from chainrule.engine.ops import ATOM, op_info
from chainrule.viz.format import format_constant, format_number, subscript, visible
from chainrule.viz.model import ModelLayout, is_constant

__all__ = ["GraphNames", "fill_op", "is_constant", "role", "softmax_index"]

PARAMETER, INPUT, CONSTANT, OUTPUT, INTERMEDIATE = (
    "parameter",
    "input",
    "constant",
    "output",
    "intermediate",
)
_MAX_EXPRESSION = 24  # longer expressions are written by name
_LEAF_PRECEDENCE = ATOM  # a name binds tighter than any op (whose precedence its record has)
_SOFTMAX_OPS = ("softmax", "log_softmax")
_OPERAND = re.compile(r"(?<![A-Za-z_])([ab])(?![A-Za-z_])")


def role(node: Node, root: Node) -> str:
    """The node's part in the picture: output, parameter, input, constant or intermediate."""
    if node is root:
        return OUTPUT
    if node.children:
        return INTERMEDIATE
    if node.requires_grad:
        return PARAMETER
    return INPUT if node.label is not None else CONSTANT


def _check_root(root: object) -> None:
    """A graph's root is a Value or a Tensor: anything else gets a TypeError naming its type."""
    if hasattr(root, "children") and hasattr(root, "requires_grad"):
        return
    hint = ""
    if isinstance(root, (list, tuple)):
        hint = " (a model with several outputs returns a list: pass one of them, or a loss)"
    raise TypeError(
        f"expected a Value or Tensor as the graph's root, got {type(root).__name__}{hint}"
    )


def _repeated_labels(labels: Iterator[str | None]) -> set[str]:
    """The labels that more than one value of the graph carries."""
    counts = Counter(label for label in labels if label is not None)
    return {label for label, count in counts.items() if count > 1}


def _generic_names(count: int, taken: set[str]) -> Iterator[str]:
    """Names for `count` unlabelled values: letters while they last, else v₁, v₂ …

    Two-letter names (``fu``, ``fv``) read like words; numbered names stay plain however many.
    """
    letters = [letter for letter in string.ascii_lowercase if letter not in taken]
    if count <= len(letters):
        yield from letters
        return
    number = 0
    while True:
        number += 1
        name = subscript(f"v{number}")
        if name not in taken:
            yield name


class GraphNames:
    """Ids, names, roles and expression texts of every node reachable from `root`.

    >>> from chainrule import Value
    >>> t1, t2 = Value(0.5, label="θ1"), Value(-1.5, label="θ2")
    >>> x = Value(2.0, label="x", requires_grad=False)
    >>> y = Value(1.0, label="y", requires_grad=False)
    >>> names = GraphNames((t1 * t2 * x - y) ** 2)
    >>> [names.name(n) for n in names.order if not is_constant(n)]
    ['θ1', 'θ2', 'x', 'y', 'a', 'b', 'c', 'L']
    >>> names.expression(names.order[6])
    'θ1·θ2·x − y'
    """

    def __init__(self, root: Node) -> None:
        _check_root(root)
        self.root = root
        self.order: list[Node] = graph.topological_order(root)
        self.index: dict[Node, int] = {node: i for i, node in enumerate(self.order)}
        self._softmax_indices: dict[Node, int] = {}
        self.model = ModelLayout(self.order, self.index)
        qualified = self._model_names()
        labels = [node.label for node in self.order if node.label is not None]
        # a model's dotted labels are drawn by their last part (``b``), so keep that free too
        taken = set(labels) | {label.rsplit(".", 1)[-1] for label in labels}
        root_name = "L" if "L" not in taken else "out"
        taken |= set(qualified.values())
        generic = [
            node
            for i, node in enumerate(self.order)
            if node.label is None
            and node is not root
            and not is_constant(node)
            and i not in qualified
        ]
        letters = _generic_names(len(generic), taken)
        repeated = _repeated_labels(
            node.label for i, node in enumerate(self.order) if i not in qualified
        )
        seen: dict[str, int] = {}
        self._names: list[str] = []
        for i, node in enumerate(self.order):
            if i in qualified:
                self._names.append(qualified[i])
            elif node.label is not None and node.label in repeated:
                # two values with one label: w#1, w#2 … in creation order, never a bare w
                seen[node.label] = seen.get(node.label, 0) + 1
                self._names.append(f"{visible(node.label)}#{seen[node.label]}")
            elif node.label is not None:  # control characters shown as escapes (a\\nb)
                self._names.append(visible(node.label))
            elif node is root:
                self._names.append(root_name)
            elif is_constant(node):
                self._names.append(format_constant(node.data))
            else:
                self._names.append(next(letters))
        self._expressions = self._build_expressions()
        self.uses: dict[Node, int] = {}  # how many operand slots each node fills
        for node in self.order:
            for child in node.children:
                self.uses[child] = self.uses.get(child, 0) + 1

    def _model_names(self) -> dict[int, str]:
        """Qualified names of model values, where each stands for one label (or role) only.

        Two models in one graph (``a.layers.0…`` and ``b.layers.0…``) would both give
        ``w₁[0.0]``: such labels keep their full text.
        """
        qualified = self.model.qualified_names
        labels_of: dict[str, set[str | None]] = {}
        for i, name in qualified.items():
            labels_of.setdefault(name, set()).add(self.order[i].label)
        return {i: name for i, name in qualified.items() if len(labels_of[name]) == 1}

    def full_name(self, node: Node) -> str:
        """The node's label when its name is a short form of it (``layers.1.neurons.0.w.1``
        for ``w₁[1.0]``), else its name."""
        name = self.name(node)
        return visible(node.label) if node.label is not None and node.label != name else name

    def id(self, node: Node) -> int:
        """The node's index in creation order."""
        return self.index[node]

    def name(self, node: Node) -> str:
        """The label, a letter for an unlabelled value, the number for a constant."""
        return self._names[self.index[node]]

    def role(self, node: Node) -> str:
        return role(node, self.root)

    def expression(self, node: Node) -> str:
        """What the node computes in terms of labelled leaves, or its name if that is long."""
        return self._expressions[self.index[node]][0]

    def definition(self, node: Node) -> str:
        """What the node computes: its expression, or one op over named operands if long."""
        expression = self.expression(node)
        if expression != self.name(node) or not node.children:
            return expression
        return self.one_op(node)

    def one_op(self, node: Node) -> str:
        """The node's op over its operands' names: ``a·x``, ``tanh(e)``."""
        return fill_op(node, [self.name(child) for child in node.children])

    def _build_expressions(self) -> list[tuple[str, int]]:
        # Children come first in creation order, so one forward pass builds every text.
        texts: list[tuple[str, int]] = []
        for i, node in enumerate(self.order):
            # one output of a softmax over many operands reads better by name than expanded
            if not node.children or node.label is not None or node.op in _SOFTMAX_OPS:
                texts.append((self._names[i], _LEAF_PRECEDENCE))
                continue
            info = op_info(node.op)
            precedence = info.precedence
            template = info.text
            if "({a})" in template:  # a call: its own parentheses hold the operand
                operands = [texts[self.index[c]][0] for c in node.children]
            else:
                ties = info.parenthesize_ties
                operands = [
                    _wrap(texts[self.index[c]], precedence, position in ties)
                    for position, c in enumerate(node.children)
                ]
            text = _fill(template, operands)
            if len(text) > _MAX_EXPRESSION:
                texts.append((self._names[i], _LEAF_PRECEDENCE))
            else:
                texts.append((text, precedence))
        return texts

    def partial(self, node: Node, child: Node) -> str:
        """The symbol ∂node/∂child, e.g. ``∂c/∂b``; ``∂²L/∂θ1²`` when node is ∂L/∂θ1."""
        return derivative_name(self.name(node), self.name(child))

    def local_formula(self, node: Node, position: int, *, expand: bool = False) -> str | None:
        """∂node/∂children[position] as text with the operands' names filled in.

        Args:
            node: an op's output.
            position: which operand.
            expand: write short intermediate values as their expressions (``2(θ1·θ2·x − y)``)
                instead of their names (``2c``).

        Returns:
            The formula, or None for an op the table has no formula for.
        """
        info = op_info(node.op)
        if node.op in _SOFTMAX_OPS:
            return self._softmax_formula(node, position, expand)
        if node.op == "dot":  # ∂/∂w_i = x_i and ∂/∂x_i = w_i: the factor it was multiplied by
            half = len(node.children) // 2
            partner = node.children[(position + half) % (2 * half)]
            return self._operand_text(partner, expand)[0]
        if position >= len(info.formulas):
            return None if len(info.formulas) != 1 else info.formulas[0]
        texts = [self._operand_text(c, expand) for c in node.children[:2]]
        if node.op == "**" and position == 0 and is_constant(node.children[1]):
            exponent = node.children[1].data
            if isinstance(exponent, float) or exponent.ndim == 0:  # an array: the general rule
                return _power_rule(float(exponent), texts[0])
        return _fill_formula(info.formulas[position], texts)

    def _softmax_formula(self, node: Node, position: int, expand: bool) -> str:
        """∂s_i/∂x_j = s_i·(δ_ij − s_j) (softmax) or δ_ij − s_j (log-softmax), i and j filled in."""
        i, j = self._softmax_index(node), position
        own = self._operand_text(node, expand)[0] if node.op == "softmax" else subscript(f"s{i}")
        other = subscript(f"s{j}")
        if node.op == "softmax":
            return f"{own}·(1 − {own})" if i == j else f"−{own}·{other}"
        return f"1 − {other}" if i == j else f"−{other}"

    def _softmax_index(self, node: Node) -> int:
        """`softmax_index`, remembered: it scans all n operands, and each of them asks."""
        cache = self._softmax_indices
        if node not in cache:
            cache[node] = softmax_index(node)
        return cache[node]

    def _operand_text(self, node: Node, expand: bool) -> tuple[str, int]:
        if expand:
            return self._expressions[self.index[node]]
        return self._names[self.index[node]], _LEAF_PRECEDENCE


def fill_op(node: Node, operands: list[str]) -> str:
    """The node's op written over the given operand texts: ``a·x``, ``tanh(e)``, ``s[1]``."""
    text = _fill(op_info(node.op).text, operands)
    if node.op in _SOFTMAX_OPS:
        text += f"[{softmax_index(node)}]"
    return text


def softmax_index(node: Node) -> int:
    """Which output of a softmax (or log-softmax) over a list `node` is, as recorded when it
    was computed; 0 for a Tensor's softmax, which is one node for all outputs."""
    index = getattr(node, "output_index", None)
    return 0 if index is None else index


def _wrap(text: tuple[str, int], precedence: int, right: bool) -> str:
    body, own = text
    if own < precedence or (right and own == precedence):
        return f"({body})"
    return body


_SUPERSCRIPTS = str.maketrans("0123456789−-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁻")


def superscript_power(exponent: str) -> str | None:
    """``²`` for the exponent ``2`` (small whole numbers read as superscripts), else None."""
    text = exponent.replace("−", "-")
    if text.lstrip("-").isdigit() and len(text) <= 3:
        return exponent.translate(_SUPERSCRIPTS)
    return None


def _fill(template: str, operands: list[str]) -> str:
    if template == "{a}^{b}" and len(operands) == 2:
        raised = superscript_power(operands[1])
        if raised is not None:  # c² rather than c^2
            return operands[0] + raised
    if "{b}" in template and len(operands) >= 2:
        return template.format(a=operands[0], b=operands[1])
    return template.replace("{a}", ", ".join(operands) if len(operands) > 1 else operands[0])


def _fill_formula(formula: str, texts: list[tuple[str, int]]) -> str:
    """Put operand texts in place of the formula's ``a`` and ``b``, parenthesised if compound."""
    if "a" not in formula and "b" not in formula:  # "1", "−1": nothing to fill in
        return formula

    def replace(match: re.Match[str]) -> str:
        which = 0 if match.group(1) == "a" else 1
        if which >= len(texts):
            return match.group(1)
        body, precedence = texts[which]
        start, end = match.start(), match.end()
        inside_call = formula[start - 1 : start] == "(" and formula[end : end + 1] == ")"
        alone = len(formula) == end - start
        if precedence < _LEAF_PRECEDENCE and not (inside_call or alone):
            return f"({body})"
        return body

    return _OPERAND.sub(replace, formula)


def _power_rule(exponent: float, base: tuple[str, int]) -> str:
    """d(aⁿ)/da = n·aⁿ⁻¹ for a number n, simplified for the common cases."""
    body, precedence = base
    wrapped = body if precedence == _LEAF_PRECEDENCE else f"({body})"
    if exponent == 1:
        return "1"
    n = format_number(exponent)
    if exponent == 2:
        joiner = "" if (wrapped.startswith("(") or _is_short_symbol(body)) else "·"
        return f"2{joiner}{wrapped}"
    power = format_number(exponent - 1)
    raised = superscript_power(power)
    return f"{n}·{wrapped}{raised}" if raised is not None else f"{n}·{wrapped}^{power}"


def _is_short_symbol(text: str) -> bool:
    return len(text) <= 3 and text[:1].isalpha() and "." not in text
