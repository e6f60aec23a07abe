"""One training step of demo 11's GPT: chainrule beside a minimal local-grads Value, as ratios.

chainrule runs the demo's model twice: as written ("n-ary": its dot products and sums are
`chainrule.dot` and `chainrule.sum`, one node each), and with those swapped for chains of
binary ops ("binary", a node per product and per partial sum, as the reference builds them).

The reference is the 40-line design that chainrule shares, written here: a Value holding a
tuple of children and a tuple of local derivatives, a recursive topological sort, no labels
(``__slots__``, as the best-known scalar GPT writes it). It runs the same GPT (1 layer,
n_embd 16, 4 heads, block 16, RMSNorm, ReLU MLP, softmax cross-entropy) with the same weights,
on one 12-letter word (14 tokens with the markers: 13 predictions), written the way that
program writes it: products summed with Python's ``sum``, softmax as exp / sum / divide.

Each timed step is forward and backward, run as a user's own loop runs them: the previous
step's graph is still alive while the next is built (``loss`` is rebound after the forward
pass). Every configuration runs with Python's cycle collector on (a hand-written loop) and
off (as `fit` runs), interleaved round by round in one process, so that noise from other
work on the machine falls on all of them alike; we report the median of the rounds and
the range of the per-round ratios. Times are the process's CPU time (`time.process_time`):
the step is single-threaded, and CPU time is not inflated when other processes share the
cores. Each configuration must give the same loss and
gradients as the reference (to 1e-12, relative: softmax is summed with math.fsum in chainrule,
left to right in the reference). Peak memory of one step is measured apart with tracemalloc.

Usage: ``python benchmarks/gpt.py [--rounds 7] [--steps 3]``
"""

from __future__ import annotations

import argparse
import builtins
import gc
import importlib.util
import math
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chainrule.engine.graph import topological_order

DEMOS = Path(__file__).resolve().parent.parent / "demos"
WORD = "configparser"  # 12 letters: 14 tokens with the two markers, 13 predictions


def load_demo(binary: bool = False) -> Any:
    """demos/11_gpt.py as a module (its name starts with a digit, so not by `import`).

    With `binary`, a copy whose dot products and sums are chains of binary ops instead of
    `chainrule.dot` and `chainrule.sum` (the model's functions read them at each call).
    """
    sys.path.insert(0, str(DEMOS))
    name = "gpt_demo_binary" if binary else "gpt_demo"
    spec = importlib.util.spec_from_file_location(name, DEMOS / "11_gpt.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    if binary:
        module.dot, module.total = module.binary_dot, builtins.sum
    return module


# --------------------------------------------------------------- the minimal local-grads Value
class MinimalValue:
    """The 40-line design: children and local derivatives as tuples, recursive topo sort."""

    __slots__ = ("data", "grad", "_children", "_local_grads")

    def __init__(self, data: float, children: tuple = (), local_grads: tuple = ()) -> None:
        self.data = data
        self.grad = 0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other: Any) -> MinimalValue:
        other = other if isinstance(other, MinimalValue) else MinimalValue(other)
        return MinimalValue(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other: Any) -> MinimalValue:
        other = other if isinstance(other, MinimalValue) else MinimalValue(other)
        return MinimalValue(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, other: float) -> MinimalValue:
        return MinimalValue(self.data**other, (self,), (other * self.data ** (other - 1),))

    def log(self) -> MinimalValue:
        return MinimalValue(math.log(self.data), (self,), (1 / self.data,))

    def exp(self) -> MinimalValue:
        return MinimalValue(math.exp(self.data), (self,), (math.exp(self.data),))

    def relu(self) -> MinimalValue:
        return MinimalValue(max(0, self.data), (self,), (float(self.data > 0),))

    def __neg__(self) -> MinimalValue:
        return self * -1

    def __radd__(self, other: Any) -> MinimalValue:
        return self + other

    def __sub__(self, other: Any) -> MinimalValue:
        return self + (-other)

    def __rmul__(self, other: Any) -> MinimalValue:
        return self * other

    def __truediv__(self, other: Any) -> MinimalValue:
        return self * other**-1

    def backward(self) -> None:
        topo: list[MinimalValue] = []
        visited: set[MinimalValue] = set()

        def build_topo(v: MinimalValue) -> None:
            if v not in visited:
                visited.add(v)
                for child in v._children:
                    build_topo(child)
                topo.append(v)

        build_topo(self)
        self.grad = 1
        for v in reversed(topo):
            for child, local_grad in zip(v._children, v._local_grads):
                child.grad += local_grad * v.grad


# ------------------------------------------------ the same GPT, written for the minimal Value
class ReferenceGPT:
    """Demo 11's GPT as the 200-line program writes it, over MinimalValue, same weights."""

    def __init__(self, demo: Any, model: Any) -> None:
        self.n_head, self.head_dim = demo.N_HEAD, demo.HEAD_DIM

        def copy(matrix: list[list[Any]]) -> list[list[MinimalValue]]:
            return [[MinimalValue(p.data) for p in row] for row in matrix]

        self.wte, self.wpe, self.lm_head = copy(model.wte), copy(model.wpe), copy(model.lm_head)
        names = ("wq", "wk", "wv", "wo", "fc1", "fc2")
        self.blocks = [{n: copy(getattr(b, n)) for n in names} for b in model.blocks]
        self.params = [p for m in self.matrices() for row in m for p in row]

    def matrices(self) -> list[list[list[MinimalValue]]]:
        blocks = [b[n] for b in self.blocks for n in ("wq", "wk", "wv", "wo", "fc1", "fc2")]
        return [self.wte, self.wpe, *blocks, self.lm_head]

    @staticmethod
    def linear(x: list[Any], w: list[list[Any]]) -> list[Any]:
        return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]

    @staticmethod
    def softmax(logits: list[Any]) -> list[Any]:
        max_val = max(val.data for val in logits)
        exps = [(val - max_val).exp() for val in logits]
        total = sum(exps)
        return [e / total for e in exps]

    @staticmethod
    def rmsnorm(x: list[Any]) -> list[Any]:
        ms = sum(xi * xi for xi in x) / len(x)
        scale = (ms + 1e-5) ** -0.5
        return [xi * scale for xi in x]

    def __call__(self, token: int, pos: int, keys: list[list[Any]], values: list[list[Any]]) -> Any:
        linear, hd = self.linear, self.head_dim
        x = self.rmsnorm([t + p for t, p in zip(self.wte[token], self.wpe[pos])])
        for li, block in enumerate(self.blocks):
            x_residual = x
            x = self.rmsnorm(x)
            q, k, v = linear(x, block["wq"]), linear(x, block["wk"]), linear(x, block["wv"])
            keys[li].append(k)
            values[li].append(v)
            x_attn: list[Any] = []
            for h in range(self.n_head):
                hs = h * hd
                q_h = q[hs : hs + hd]
                k_h = [ki[hs : hs + hd] for ki in keys[li]]
                v_h = [vi[hs : hs + hd] for vi in values[li]]
                attn_logits = [
                    sum(q_h[j] * k_h[t][j] for j in range(hd)) / hd**0.5 for t in range(len(k_h))
                ]
                attn_weights = self.softmax(attn_logits)
                x_attn.extend(
                    sum(attn_weights[t] * v_h[t][j] for t in range(len(v_h))) for j in range(hd)
                )
            x = [a + b for a, b in zip(linear(x_attn, block["wo"]), x_residual)]
            x_residual = x
            x = [xi.relu() for xi in linear(self.rmsnorm(x), block["fc1"])]
            x = [a + b for a, b in zip(linear(x, block["fc2"]), x_residual)]
        return linear(x, self.lm_head)

    def loss(self, tokens: list[int]) -> MinimalValue:
        n = min(16, len(tokens) - 1)
        keys: list[list[Any]] = [[] for _ in self.blocks]
        values: list[list[Any]] = [[] for _ in self.blocks]
        losses = []
        for pos in range(n):
            probs = self.softmax(self(tokens[pos], pos, keys, values))
            losses.append(-probs[tokens[pos + 1]].log())
        return (1 / n) * sum(losses)


# ------------------------------------------------------------------------------- the steps
class Contender:
    """One way to run the step: builds the loss, runs backward, reads the gradients."""

    def __init__(self, name: str, loss: Callable[[], Any], params: list[Any]) -> None:
        self.name, self.loss, self.params = name, loss, params

    def step(self) -> Any:
        for p in self.params:
            p.grad = 0.0
        loss = self.loss()
        loss.backward()
        return loss


def timed_loop(contender: Contender, steps: int, collector: bool) -> tuple[float, Any]:
    """Seconds per step of a user's loop of `steps` steps; the last loss (graph alive)."""
    was_enabled = gc.isenabled()
    (gc.enable if collector else gc.disable)()
    try:
        loss = None
        start = time.process_time()
        for _ in range(steps):
            loss = contender.step()  # the previous graph is freed only here, as in a loop
        seconds = (time.process_time() - start) / steps
    finally:
        (gc.enable if was_enabled else gc.disable)()
    return seconds, loss


def peak_bytes(contender: Contender) -> int:
    """tracemalloc's peak over one step, from a state with no graph alive."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    loss = contender.step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del loss
    gc.collect()
    return peak


def count_nodes(loss: Any) -> int:
    """Nodes of one step's graph, leaves and constants included."""
    if hasattr(loss, "_children"):
        seen, stack = {loss}, [loss]
        while stack:
            for child in stack.pop()._children:
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return len(seen)
    return len(topological_order(loss))


def check_same(reference: Contender, other: Contender) -> float:
    """The largest relative difference in loss and gradients; exits when above 1e-12."""
    ref_loss, loss = reference.step(), other.step()
    pairs = [(ref_loss.data, loss.data)]
    pairs += [(float(a.grad), float(b.grad)) for a, b in zip(reference.params, other.params)]
    scale = max(abs(a) for a, _ in pairs)
    worst = max(abs(a - b) for a, b in pairs) / scale
    if not worst <= 1e-12 or len(reference.params) != len(other.params):
        raise SystemExit(f"{other.name} disagrees with {reference.name}: {worst:.3g}")
    return worst


def contenders(demo: Any, binary_demo: Any) -> list[Contender]:
    tokenizer = demo.Tokenizer(demo.corpus())
    tokens = tokenizer.encode(WORD)
    model = demo.GPT(tokenizer.vocab_size)
    twin = binary_demo.GPT(tokenizer.vocab_size)  # the same seed: the same weights
    reference = ReferenceGPT(demo, model)
    return [
        Contender("minimal", lambda: reference.loss(tokens), reference.params),
        Contender(
            "chainrule binary", lambda: binary_demo.word_loss(twin, tokens)[0], twin.parameters()
        ),
        Contender("chainrule n-ary", lambda: demo.word_loss(model, tokens)[0], model.parameters()),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds")
    parser.add_argument("--steps", type=int, default=3, help="steps of the loop per round")
    args = parser.parse_args(argv)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))  # the recursive topo sort
    runs = contenders(load_demo(), load_demo(binary=True))
    reference = runs[0]
    print(f"Python {sys.version.split()[0]}; one step = forward + backward on {WORD!r}")
    for run in runs:
        nodes = count_nodes(run.step())
        difference = 0.0 if run is reference else check_same(reference, run)
        print(
            f"  {run.name:<16} {nodes:>7} nodes per step; differs from minimal by {difference:.1e}"
        )
    times: dict[tuple[str, bool], list[float]] = {(r.name, on): [] for r in runs for on in (1, 0)}
    for _ in range(args.rounds):
        for collector in (True, False):
            for run in runs:
                gc.collect()
                times[run.name, collector].append(timed_loop(run, args.steps, collector)[0])
    peaks = {run.name: peak_bytes(run) for run in runs}
    report(runs, times, peaks, args)
    return 0


def report(runs: list[Contender], times: dict, peaks: dict[str, int], args: Any) -> None:
    print(
        f"\nCPU ms per step, median of {args.rounds} interleaved rounds ({args.steps} steps each)"
    )
    print(
        f"{'':<16}{'collector on':>14}{'ratio':>18}{'collector off':>15}{'ratio':>18}{'peak MB':>9}"
    )
    reference = runs[0].name
    for run in runs:
        cells = []
        for collector in (True, False):
            ours, theirs = times[run.name, collector], times[reference, collector]
            ratios = sorted(t / o for t, o in zip(theirs, ours))
            cells.append(
                f"{statistics.median(ours) * 1e3:>14.1f}"
                f"{statistics.median(ratios):>8.2f}x ({ratios[0]:.2f}-{ratios[-1]:.2f})"
            )
        print(f"{run.name:<16}{cells[0]}{cells[1]}{peaks[run.name] / 1e6:>9.1f}")
    print("ratio = minimal's time / this one's, per round (range over rounds): above 1 is faster.")


if __name__ == "__main__":
    sys.exit(main())
