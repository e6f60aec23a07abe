"""Properties over random graphs built from the op table, and the parser on random text."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from chainrule.engine import graph
from chainrule.engine.expr import FUNCTIONS, parse
from chainrule.engine.gradcheck import gradcheck
from chainrule.engine.value import Value
from tests.engine.op_cases import OPS, OpCase

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Step = tuple[OpCase, tuple[int, ...]]

# How each op of the table reads as text, for the parser round trip.
TEXT = {
    "add": "({0} + {1})",
    "radd": "(2.5 + {0})",
    "sub": "({0} - {1})",
    "rsub": "(2.0 - {0})",
    "mul": "({0} * {1})",
    "rmul": "(3.0 * {0})",
    "div": "({0} / {1})",
    "rdiv": "(2.0 / {0})",
    "pow_number": "({0} ** 3)",
    "pow_fraction": "({0} ** 0.5)",
    "pow_negative": "({0} ** -1)",
    "rpow": "(2.0 ** {0})",
    "pow_values": "({0} ** {1})",
    "neg": "(-{0})",
    "leaky_relu": "leaky_relu({0}, slope=0.1)",
    "leaky_relu_default": "leaky_relu({0})",
    # the parser has no sum() or dot(): the same maths written as a chain of binary ops
    "sum": "({0} + {1} + {2})",
    "sum_constant": "({0} + 2.5 + {1})",
    "dot": "({0} * {2} + {1} * {3})",
    "dot_shared": "({0} * {1} + 0.5 * {0})",
}


def build(steps: list[Step], leaves: list[Value]) -> list[Value]:
    """Every node of the random graph: the leaves, then one node per step."""
    pool = list(leaves)
    for case, operands in steps:
        pool.append(case.build(*(pool[i] for i in operands)))
    return pool


@st.composite
def random_graphs(draw: st.DrawFn, max_steps: int = 8) -> tuple[list[float], list[Step]]:
    """Leaf values and steps, every op kept inside its domain where finite differences hold.

    A step is kept only if its operands are in the op's domain, its result is moderate and
    its local derivatives are at most 3 in size: then an ε-perturbation of a leaf moves no
    intermediate value by more than 3⁸·ε, never across a kink (those are kept 0.05 away).
    """
    count = draw(st.integers(1, 3))
    values = draw(st.lists(st.floats(-2.0, 2.0), min_size=count, max_size=count))
    pool = [Value(v) for v in values]
    steps: list[Step] = []
    for _ in range(draw(st.integers(2, 2 * max_steps))):
        if len(steps) == max_steps:
            break
        case = draw(st.sampled_from(OPS))
        operands = tuple(draw(st.integers(0, len(pool) - 1)) for _ in range(case.arity))
        if not case.domain(*(pool[i].data for i in operands)):
            continue
        out = case.build(*(pool[i] for i in operands))
        if not abs(out.data) <= 50.0 or not all(abs(g) <= 3.0 for g in out.local_grads):
            continue
        pool.append(out)
        steps.append((case, operands))
    assume(steps)
    return values, steps


@SETTINGS
@given(random_graphs())
def test_random_graphs_match_finite_differences(recipe):
    values, steps = recipe
    leaves = [Value(v, label=f"x{i}") for i, v in enumerate(values)]
    assert gradcheck(lambda *xs: build(steps, list(xs))[-1], leaves)


@SETTINGS
@given(random_graphs(), st.floats(-3.0, 3.0))
def test_backward_steps_exhausted_equal_backward_bit_for_bit(recipe, earlier_grad):
    values, steps = recipe
    runs = []
    for walk in ("backward", "steps"):
        nodes = build(steps, [Value(v) for v in values])
        for leaf in nodes[: len(values)]:
            leaf.grad = earlier_grad  # leaves accumulate onto what they had
        if walk == "backward":
            nodes[-1].backward()
        else:
            for _ in graph.backward_steps(nodes[-1]):
                pass
        runs.append([(n.data, n.grad) for n in graph.topological_order(nodes[-1])])
    assert runs[0] == runs[1]


@SETTINGS
@given(random_graphs())
def test_backward_twice_is_exactly_double_on_leaves(recipe):
    values, steps = recipe
    nodes = build(steps, [Value(v) for v in values])
    leaves, root = nodes[: len(values)], nodes[-1]
    root.backward()
    first = [leaf.grad for leaf in leaves]
    inner = [node.grad for node in nodes[len(values) :]]
    root.backward()
    assert [leaf.grad for leaf in leaves] == [2.0 * g for g in first]
    assert [node.grad for node in nodes[len(values) :]] == inner


@SETTINGS
@given(random_graphs())
def test_parser_round_trip(recipe):
    values, steps = recipe
    texts = [f"x{i}" for i in range(len(values))]
    for case, operands in steps:
        template = TEXT.get(case.name, case.name + "({0})")
        texts.append(template.format(*(texts[i] for i in operands)))
    assume(len(texts[-1]) < 5000)
    names = {f"x{i}": v for i, v in enumerate(values) if re.search(rf"\bx{i}\b", texts[-1])}
    root, leaves = parse(texts[-1], **names)
    nodes = build(steps, [Value(v) for v in values])
    assert root.data == pytest.approx(nodes[-1].data, rel=1e-12, abs=1e-300)
    root.backward()
    nodes[-1].backward()
    for name, leaf in leaves.items():
        expected = nodes[int(name[1:])].grad
        assert leaf.grad == pytest.approx(expected, rel=1e-9, abs=1e-12)


# ------------------------------------------------------------------------------ parser fuzz
TOKENS = [
    *FUNCTIONS,
    *"xyθ_+-*/(),.=[]'\" ",
    "**",
    "1",
    "0",
    "2.5",
    "1e308",
    "9",
    "slope=",
    "lambda",
    "not ",
    "\n",
    "\\",
    "#",
    ":",
]


def _names(text: str) -> dict[str, float]:
    return {name: 0.5 for name in set(re.findall(r"[^\W\d]\w*", text)) if name not in FUNCTIONS}


def _parse_or_value_error(text: str, /, **values: float) -> None:
    try:
        root, _ = parse(text, **values)
    except ValueError:
        return
    assert isinstance(root, Value)
    if root.requires_grad:
        root.backward()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_parser_on_random_text_raises_only_value_error(text):
    _parse_or_value_error(text)
    _parse_or_value_error(text, **_names(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_parser_on_token_soup_raises_only_value_error(text):
    _parse_or_value_error(text, **_names(text))


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 20), st.sampled_from(["9", "2", "10", "1.5", "99"]))
def test_towers_of_powers_never_hang(height, base):
    text = "**".join([base] * height)
    try:
        root, _ = parse(text)
    except ValueError as error:
        assert "overflows" in str(error)
    else:
        assert math.isfinite(root.data)
