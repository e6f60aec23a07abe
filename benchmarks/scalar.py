"""Scalar engine speed and memory, side by side with micrograd on the same expression graphs.

Both libraries run one recipe: a deterministic random mix of ``+``, ``*``, ``relu`` and
numbers mixed in (micrograd 0.1.0 has no tanh), where every node is an operand of the next, so
backward from the last node visits the whole graph. Sums take an earlier node, products an
input (like a weight), and products with numbers below 1 keep the values finite at any N.
The runs are interleaved, the garbage collector is run between them, and the best of several
repeats is reported in nanoseconds per node (forward, backward, both) with tracemalloc's bytes
per node for the graph, and the ratios micrograd / chainrule.

Usage: ``python benchmarks/scalar.py [--sizes 1000 10000 100000] [--repeats 7]``
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
import tracemalloc
from typing import Any

from chainrule.engine.value import Value as ChainruleValue

INPUTS = 16
WINDOW = 64  # operands come from the last WINDOW nodes, as in a layered network


def make_recipe(size: int, seed: int = 0) -> list[tuple[str, int, float]]:
    """`size` steps ``(op, earlier node index, number)``; node k = op(node k−1, ...)."""
    rng = random.Random(seed)
    recipe = []
    for k in range(INPUTS, INPUTS + size):
        op = rng.choices(("+", "*", "relu", "+c", "*c"), weights=(3, 2, 2, 2, 3))[0]
        if op == "*":
            earlier = rng.randrange(INPUTS)
        else:
            earlier = rng.randrange(max(0, k - WINDOW), k)
        number = rng.uniform(0.3, 0.6) if op == "*c" else rng.uniform(-1.0, 1.0)
        recipe.append((op, earlier, number))
    return recipe


def build(value_class: type, recipe: list[tuple[str, int, float]], inputs: list[float]) -> list:
    """Run the recipe forward with one library's Value; returns every node (inputs first)."""
    nodes = [value_class(x) for x in inputs]
    append = nodes.append
    previous = nodes[-1]
    for op, earlier, number in recipe:
        if op == "+":
            previous = previous + nodes[earlier]
        elif op == "*":
            previous = previous * nodes[earlier]
        elif op == "relu":
            previous = previous.relu()
        elif op == "+c":
            previous = previous + number
        else:
            previous = previous * number
        append(previous)
    return nodes


def time_once(value_class: type, recipe: list, inputs: list[float]) -> tuple[float, float, Any]:
    """Seconds for forward and backward, and the root's value and first input's gradient."""
    start = time.perf_counter()
    nodes = build(value_class, recipe, inputs)
    middle = time.perf_counter()
    nodes[-1].backward()
    end = time.perf_counter()
    result = (nodes[-1].data, nodes[0].grad)
    del nodes
    return middle - start, end - middle, result


def graph_bytes(value_class: type, recipe: list, inputs: list[float]) -> int:
    """Bytes held by the graph once built (tracemalloc, so run apart from the timings)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    nodes = build(value_class, recipe, inputs)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del nodes
    gc.collect()
    return after - before


def measure(libraries: dict[str, type], size: int, repeats: int) -> dict[str, dict[str, float]]:
    """Best-of-`repeats` ns/node for each library at one size, runs interleaved."""
    recipe = make_recipe(size)
    inputs = [random.Random(size).uniform(-1.0, 1.0) for _ in range(INPUTS)]
    best: dict[str, dict[str, float]] = {
        name: {"forward": float("inf"), "backward": float("inf"), "total": float("inf")}
        for name in libraries
    }
    results = {}
    for _ in range(repeats):
        for name, value_class in libraries.items():
            gc.collect()
            forward, backward, results[name] = time_once(value_class, recipe, inputs)
            for key, seconds in (("forward", forward), ("backward", backward)):
                best[name][key] = min(best[name][key], seconds * 1e9 / size)
            best[name]["total"] = min(best[name]["total"], (forward + backward) * 1e9 / size)
    for name, value_class in libraries.items():
        best[name]["bytes"] = graph_bytes(value_class, recipe, inputs) / size
    check_agreement(results, size)
    return best


def check_agreement(results: dict[str, Any], size: int) -> None:
    """Both libraries computed the same graph: same root value, same gradient of an input."""
    (root_a, grad_a), (root_b, grad_b) = results.values()

    def close(x: float, y: float) -> bool:
        return x == y or abs(x - y) <= 1e-9 * max(abs(x), abs(y))

    if not (close(root_a, root_b) and close(float(grad_a), float(grad_b))):
        raise SystemExit(f"the libraries disagree at N={size}: {results}")


def print_table(rows: list[tuple[int, dict[str, dict[str, float]]]]) -> None:
    header = f"{'N':>7}  {'library':<10} {'fwd ns/node':>12} {'bwd ns/node':>12} "
    header += f"{'fwd+bwd':>10} {'bytes/node':>11}"
    print(header)
    print("-" * len(header))
    for size, best in rows:
        for name, figures in best.items():
            print(
                f"{size:>7}  {name:<10} {figures['forward']:>12.0f} {figures['backward']:>12.0f} "
                f"{figures['total']:>10.0f} {figures['bytes']:>11.0f}"
            )
        ours, theirs = best["chainrule"], best["micrograd"]
        ratio = {key: theirs[key] / ours[key] for key in ours}
        print(
            f"{size:>7}  {'ratio m/c':<10} {ratio['forward']:>11.2f}x {ratio['backward']:>11.2f}x "
            f"{ratio['total']:>9.2f}x {ratio['bytes']:>10.2f}x"
        )
    print("ratio m/c = micrograd / chainrule: above 1 means chainrule is faster or smaller.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10**3, 10**4, 10**5])
    parser.add_argument("--repeats", type=int, default=7, help="best of this many runs")
    args = parser.parse_args(argv)
    try:
        from micrograd.engine import Value as MicrogradValue
    except ImportError:
        print("micrograd is not installed: pip install 'micrograd==0.1.0'", file=sys.stderr)
        return 2
    # micrograd's topological sort recurses once per node of the chain.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * max(args.sizes) + 1000))
    libraries = {"chainrule": ChainruleValue, "micrograd": MicrogradValue}
    print(f"Python {sys.version.split()[0]}, best of {args.repeats}, interleaved runs")
    rows = [(size, measure(libraries, size, args.repeats)) for size in args.sizes]
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
