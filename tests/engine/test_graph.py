"""Graph walks: topological order, step-by-step backward, and chain-rule paths."""

from __future__ import annotations

import math

import pytest

from chainrule.engine import graph
from chainrule.engine.value import Value


def _lecture_graph():
    theta1, theta2 = Value(0.5, label="θ1"), Value(-1.5, label="θ2")
    x, y = Value(2.0, label="x"), Value(1.0, label="y")
    loss = (theta1 * theta2 * x - y) ** 2
    return loss, (theta1, theta2, x, y)


def test_topological_order_puts_operands_first_and_is_deterministic():
    def describe():
        loss, _ = _lecture_graph()
        order = graph.topological_order(loss)
        position = {node: i for i, node in enumerate(order)}
        for node in order:
            assert all(position[child] < position[node] for child in node.children)
        assert order[-1] is loss
        return [(node.op, node.label, node.data) for node in order]

    first = describe()
    assert describe() == first
    assert [label for _, label, _ in first if label] == ["θ1", "θ2", "x", "y"]
    assert len(first) == 9  # four inputs, the constant 2, and four ops


def test_topological_order_lists_a_shared_node_once():
    a = Value(1.0)
    b = a * a
    c = b + b
    assert graph.topological_order(c) == [a, b, c]


def test_topological_order_of_a_deep_chain():
    node = x = Value(0.5)
    for _ in range(20_000):
        node = node.tanh()
    order = graph.topological_order(node)
    assert len(order) == 20_001 and order[0] is x and order[-1] is node


def test_backward_steps_equal_backward_and_apply_as_they_go():
    loss, leaves = _lecture_graph()
    loss.backward()
    expected = [leaf.grad for leaf in leaves]
    again, again_leaves = _lecture_graph()
    steps = graph.backward_steps(again)
    first = next(steps)
    assert first.node is again and first.grad == 1.0
    assert [c.child for c in first.contributions] == [again.children[0]]  # the constant 2 gets none
    assert again.children[0].grad == first.contributions[0].amount  # applied before yielding
    rest = list(steps)
    assert [step.node.op for step in rest] == ["-", "*", "*"]
    assert [leaf.grad for leaf in again_leaves] == expected
    for step in [first, *rest]:
        for contribution in step.contributions:
            assert contribution.amount == contribution.local_grad * step.grad


def test_backward_steps_accumulate_into_leaves_like_backward():
    loss, (theta1, *_) = _lecture_graph()
    loss.backward()
    for _ in graph.backward_steps(loss):
        pass
    assert theta1.grad == 30.0


def test_paths_sum_to_the_gradient():
    loss, leaves = _lecture_graph()
    loss.backward()
    for leaf in leaves:
        found = graph.paths(loss, leaf)
        assert len(found) == 1
        assert found[0].nodes[0] is loss and found[0].nodes[-1] is leaf
        assert math.fsum(p.product for p in found) == pytest.approx(leaf.grad, rel=1e-12)


def test_paths_through_a_diamond_and_repeated_operands():
    a = Value(1.5, label="a")
    b, c = a * a, a.exp()
    d = b * c
    d.backward()
    found = graph.paths(d, a)
    assert len(found) == 3  # via b twice (a·a), via c once
    assert math.fsum(p.product for p in found) == pytest.approx(a.grad, rel=1e-12)
    for p in found:
        assert p.product == pytest.approx(math.prod(p.local_grads), rel=1e-15)
        assert len(p.local_grads) == len(p.nodes) - 1


def test_paths_refuse_past_the_budget():
    a = Value(1.01, label="a")
    node = a
    for _ in range(12):  # each level doubles the number of paths: 2**12 = 4096
        node = node * node
    assert len(graph.paths(node, a, budget=5000)) == 4096
    with pytest.raises(ValueError, match="paths"):
        graph.paths(node, a, budget=4000)


def test_paths_to_a_node_outside_the_graph():
    a, stranger = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match="not part of this graph"):
        graph.paths(a * 2.0, stranger)
