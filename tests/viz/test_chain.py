"""The chain rule written out: path counts and sums agree with listing every path."""

from __future__ import annotations

import math

from chainrule import Value
from chainrule.engine import graph
from chainrule.viz.chain import chain_rule_lines, path_count_and_sum
from chainrule.viz.naming import GraphNames


def diamonds(depth: int) -> tuple[Value, Value]:
    """x feeds two branches that meet again, `depth` times over: 2**depth paths."""
    x = Value(0.3, label="x")
    node = x
    for _ in range(depth):
        node = (node * 1.5).tanh() + node.sigmoid()
    return node, x


def test_count_and_sum_match_the_listed_paths():
    root, x = diamonds(5)
    root.backward()
    found = graph.paths(root, x)
    count, total = path_count_and_sum(GraphNames(root), x)
    assert count == len(found) == 2**5
    assert math.isclose(total, math.fsum(p.product for p in found), rel_tol=1e-12)
    assert math.isclose(total, x.grad, rel_tol=1e-12)


def test_past_max_paths_only_the_number_and_the_sum_are_written():
    root, x = diamonds(4)
    root.backward()
    names = GraphNames(root)
    assert len(chain_rule_lines(names, x)) == 1 + 16 + 1
    lines = chain_rule_lines(names, x, max_paths=15)
    assert lines[0].startswith("∂L/∂x = sum over 16 paths") and len(lines) == 2
    assert math.isclose(float(lines[1].removeprefix("= ")), x.grad, rel_tol=1e-3)
    assert len(chain_rule_lines(names, x, max_paths=16)) == 1 + 16 + 1
