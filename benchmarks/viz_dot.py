"""Seconds to write the DOT source of a 10 000-node graph, next to a graphviz.Digraph baseline.

The graph is an MLP-shaped scalar computation (products and sums of labelled parameters)
with about 10 000 Values, drawn after backward with edge labels. The baseline builds the same
nodes and edges through `graphviz.Digraph.node` / `.edge` with plain labels, which is what a
straightforward drawing (micrograd's `draw_dot`) does; the target for chainrule is < 0.5 s.

Run: ``python benchmarks/viz_dot.py [--nodes N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import graphviz

from chainrule import Value
from chainrule.engine import graph
from chainrule.viz import draw


def build(nodes: int) -> Value:
    """A chain of neurons y = tanh(Σ wᵢ·xᵢ + b) feeding each other until `nodes` Values exist."""
    inputs = [Value(0.1 * i, label=f"x{i}", requires_grad=False) for i in range(4)]
    count, neuron = len(inputs), 0
    out = inputs[0]
    while count < nodes:
        total = Value(0.01, label=f"layers.{neuron}.neurons.0.b")
        for k, x in enumerate(inputs):
            w = Value(0.05 * (k + 1), label=f"layers.{neuron}.neurons.0.w.{k}")
            total = total + w * x
        out = total.tanh()
        out.label = f"layers.{neuron}.neurons.0"
        inputs = [out, *inputs[1:]]
        count += 1 + 3 * len(inputs) + 1
        neuron += 1
    return out * out


def baseline(root: Value) -> str:
    """micrograd-style drawing through graphviz.Digraph's own API."""
    dot = graphviz.Digraph(graph_attr={"rankdir": "LR"})
    for node in graph.topological_order(root):
        name = str(node._serial)
        label = f"{{ {node.label or ''} | data {node.data:.4f} | grad {node.grad:.4f} }}"
        dot.node(name, label=label, shape="record")
        if node.op:
            dot.node(name + node.op, label=node.op)
            dot.edge(name + node.op, name)
        for child in node.children:
            dot.edge(str(child._serial), name + node.op)
    return dot.source


def seconds(function, repeat: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds (CPU time is steadier on a shared machine)."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    root = build(arguments.nodes)
    root.backward()
    size = len(graph.topological_order(root))
    source = draw(root, edge_labels=True, max_nodes=None).source
    ours = seconds(lambda: draw(root, edge_labels=True, max_nodes=None).source, arguments.repeat)
    theirs = seconds(lambda: baseline(root), arguments.repeat)
    print(f"graph: {size} Values, DOT {len(source) / 1e6:.1f} MB, {source.count(' -> ')} edges")
    print("                                               wall s   CPU s")
    print(f"chainrule draw(..., edge_labels=True).source   {ours[0]:.3f}   {ours[1]:.3f}")
    print(f"graphviz.Digraph baseline (plain records)     {theirs[0]:.3f}   {theirs[1]:.3f}")
    print(f"ratio chainrule / baseline (CPU)               {ours[1] / theirs[1]:.2f}")
    print(f"target < 0.5 s: {'met' if ours[0] < 0.5 else 'NOT met'} (wall)")


if __name__ == "__main__":
    main()
