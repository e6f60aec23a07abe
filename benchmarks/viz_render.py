"""Seconds to draw (DOT) and render (SVG) model graphs, next to a micrograd-style baseline.

Graphs: the loss of a 2-16-16-1 tanh MLP on one moons sample (BCE on the logit), drawn
uncollapsed and with ``collapse="neuron"``, and an MLP-shaped chain of about N Values (the
graph of ``viz_dot.py``). The baseline is micrograd's ``draw_dot``: plain records through
`graphviz.Digraph`, rendered by the same renderer. Runs are interleaved (ours, baseline,
ours, …) and repeated; each figure is the median with the range over the repeats.

Run: ``python benchmarks/viz_render.py [--repeat R] [--nodes N]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from viz_dot import baseline, build

from chainrule.nn import MLP, bce_with_logits
from chainrule.nn.data import make_moons
from chainrule.viz import draw
from chainrule.viz.render import RenderError, pipe


def moons_loss() -> object:
    model = MLP(2, [16, 16, 1], activation="tanh", seed=0)
    features, labels = make_moons(50, noise=0.1, seed=0)
    loss = bce_with_logits(model(features[0].tolist()), int(labels[0]))
    loss.backward()
    return loss


def timed(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):7.3f} [{min(values):.3f}–{max(values):.3f}]"


def compare(
    name: str,
    ours: Callable[[], str],
    theirs: Callable[[], str],
    repeat: int,
    *,
    svg: bool = True,
) -> None:
    """DOT and SVG seconds of `ours` and `theirs`, interleaved; SVG of each DOT text."""
    ours_source, theirs_source = ours(), theirs()
    times: dict[str, list[float]] = {"dot": [], "svg": [], "base dot": [], "base svg": []}
    failed = ""
    for _ in range(repeat):
        times["dot"].append(timed(ours))
        times["base dot"].append(timed(theirs))
        if not svg:
            continue
        try:
            times["svg"].append(timed(lambda: pipe(ours_source, "svg")))
            times["base svg"].append(timed(lambda: pipe(theirs_source, "svg")))
        except RenderError as error:  # the renderer's time limit
            failed = str(error)
            break
    print(
        f"{name}: DOT {len(ours_source) / 1e3:.0f} kB (baseline {len(theirs_source) / 1e3:.0f} kB)"
    )
    print(f"  DOT s  chainrule {spread(times['dot'])}   baseline {spread(times['base dot'])}")
    ratio = statistics.median(times["dot"]) / statistics.median(times["base dot"])
    print(f"  ratio DOT  {ratio:.2f}")
    if times["svg"] and times["base svg"]:
        print(f"  SVG s  chainrule {spread(times['svg'])}   baseline {spread(times['base svg'])}")
        ratio = statistics.median(times["svg"]) / statistics.median(times["base svg"])
        print(f"  ratio SVG  {ratio:.2f}")
    if failed:
        print(f"  SVG: {failed}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument(
        "--big-svg",
        action="store_true",
        help="also render the N-node graph (graphviz-pure gives up after 120 s at 10 000)",
    )
    arguments = parser.parse_args()
    loss = moons_loss()
    compare(
        "2-16-16-1 uncollapsed",
        lambda: draw(loss, max_nodes=None).source,
        lambda: baseline(loss),
        arguments.repeat,
    )
    compare(
        "2-16-16-1 collapse='neuron'",
        lambda: draw(loss, collapse="neuron").source,
        lambda: baseline(loss),
        arguments.repeat,
    )
    big = build(arguments.nodes)
    big.backward()
    compare(
        f"{arguments.nodes}-node chain, edge labels",
        lambda: draw(big, edge_labels=True, max_nodes=None).source,
        lambda: baseline(big),
        arguments.repeat if not arguments.big_svg else 1,
        svg=arguments.big_svg,
    )


if __name__ == "__main__":
    main()
