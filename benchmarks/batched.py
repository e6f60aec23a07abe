"""Training-step time of the batched path beside PyTorch and hand-written NumPy, as ratios.

Two workloads, each one SGD step (forward, loss, backward, update) timed per framework:

1. a dense MLP 784-256-256-10 with ReLU, float32, batch 256, softmax cross-entropy;
2. micrograd's moons model 2-16-16-1, float64, 100 points, hinge loss.

All three start from the same weights and data (random, generated here). Each measurement
runs one framework in a fresh process (BLAS and OpenMP threads of one library would slow the
next one down) and reports the median of its timed rounds. The measurements are interleaved,
chainrule, NumPy, PyTorch, chainrule, ..., for ``--runs`` runs, so that load from other work
on the machine falls on all three alike; the report gives each framework's median over the
runs with its range, and the ratios run by run (median and range). Run
``python benchmarks/batched.py`` (``--quick`` for fewer rounds and runs). Without PyTorch
its column is skipped with a note.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

from chainrule.engine.tensor import cross_entropy
from chainrule.nn import SGD, batched, losses

# PyTorch (the optional `bench` extra) is imported only in the process that times it.
HAVE_TORCH = importlib.util.find_spec("torch") is not None

Step = Callable[[], object]


# ------------------------------------------------------------------------ the three steps
def chainrule_step(model: batched.MLP, X: np.ndarray, y: np.ndarray, loss: str, lr: float) -> Step:
    optimizer = SGD(model.parameters(), lr=lr)

    def step() -> object:
        out = model(X)
        value = cross_entropy(out, y) if loss == "cross_entropy" else losses.hinge(out, y)
        optimizer.zero_grad()
        value.backward()
        optimizer.step()
        return value

    return step


def torch_step(model: batched.MLP, X: np.ndarray, y: np.ndarray, loss: str, lr: float) -> Step:
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    layers: list[object] = []
    for i, layer in enumerate(model.layers):
        linear = torch.nn.Linear(layer.nin, layer.nout, dtype=torch.from_numpy(X).dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(layer.w.data.T.copy()))
            linear.bias.copy_(torch.from_numpy(layer.b.data.copy()))
        layers.append(linear)
        if i < len(model.layers) - 1:
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    inputs, targets = torch.from_numpy(X), torch.from_numpy(y)

    def step() -> object:
        out = net(inputs)
        if loss == "cross_entropy":
            value = torch.nn.functional.cross_entropy(out, targets)
        else:
            value = torch.relu(1 - targets * out[:, 0]).mean()
        optimizer.zero_grad()
        value.backward()
        optimizer.step()
        return value

    return step


def numpy_step(model: batched.MLP, X: np.ndarray, y: np.ndarray, loss: str, lr: float) -> Step:
    """Forward and backward written out by hand: the floor for a NumPy implementation."""
    weights = [(layer.w.data.copy(), layer.b.data.copy()) for layer in model.layers]
    n = len(X)

    def step() -> object:
        activations = [X]
        for i, (w, b) in enumerate(weights):
            z = activations[-1] @ w + b
            activations.append(np.maximum(z, 0) if i < len(weights) - 1 else z)
        out = activations[-1]
        if loss == "cross_entropy":
            shifted = out - out.max(axis=1, keepdims=True)
            exps = np.exp(shifted)
            totals = exps.sum(axis=1, keepdims=True)
            value = np.mean(np.log(totals[:, 0]) - shifted[np.arange(n), y])
            grad = exps / totals
            grad[np.arange(n), y] -= 1
            grad /= n
        else:
            margins = 1 - y * out[:, 0]
            value = np.maximum(margins, 0).mean()
            grad = np.where(margins > 0, -y / n, 0.0)[:, None]  # ∂/∂out of mean relu(1 − y·out)
        for i in range(len(weights) - 1, -1, -1):
            w, b = weights[i]
            grad_w, grad_b = activations[i].T @ grad, grad.sum(axis=0)
            if i:
                grad = (grad @ w.T) * (activations[i] > 0)
            w -= lr * grad_w
            b -= lr * grad_b
        return value

    return step


# ------------------------------------------------------------------------------ timing
WORKLOADS = {
    "mlp": dict(
        title="dense MLP 784-256-256-10, ReLU, float32, batch 256, cross-entropy, SGD",
        sizes=[784, 256, 256, 10], dtype=np.float32, batch=256, loss="cross_entropy",
        lr=0.01, per_round=20, target=1.25,
    ),
    "moons": dict(
        title="moons MLP 2-16-16-1, ReLU, float64, 100 points, hinge, SGD",
        sizes=[2, 16, 16, 1], dtype=np.float64, batch=100, loss="hinge",
        lr=0.05, per_round=200, target=1.0,
    ),
}  # fmt: skip
FRAMEWORKS = {"chainrule": chainrule_step, "numpy": numpy_step, "pytorch": torch_step}


def median_ms_per_step(workload: str, framework: str, rounds: int) -> float:
    """Build one framework's step on the shared weights and data; its median round, in ms."""
    spec = WORKLOADS[workload]
    sizes, dtype, batch = spec["sizes"], spec["dtype"], spec["batch"]
    rng = np.random.default_rng(0)
    model = batched.MLP(sizes[0], sizes[1:], seed=0, dtype=dtype)
    X = rng.normal(size=(batch, sizes[0])).astype(dtype)
    if spec["loss"] == "cross_entropy":
        y = rng.integers(0, sizes[-1], size=batch)
    else:
        y = np.where(rng.random(batch) < 0.5, -1.0, 1.0).astype(dtype)
    step = FRAMEWORKS[framework](model, X, y, spec["loss"], spec["lr"])
    per_round = spec["per_round"]
    for _ in range(per_round):  # warm up: allocator, BLAS threads, caches
        step()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(per_round):
            step()
        times.append((time.perf_counter() - start) / per_round * 1e3)
    return statistics.median(times)


def measure(workload: str, framework: str, rounds: int, threads: int) -> float:
    """Time one framework in a fresh interpreter, so that no other library's threads compete.

    (OpenBLAS and PyTorch's OpenMP both keep their threads spinning after a call; in one
    process, timing one right after the other slows the second one down.) Both get the same
    number of threads.
    """
    command = [sys.executable, __file__, "--worker", workload, framework, "--rounds", str(rounds)]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    result = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    return float(result.stdout.split()[-1])


def report(workload: str, rounds: int, runs: int, threads: int) -> None:
    spec = WORKLOADS[workload]
    names = ["chainrule", "numpy"] + (["pytorch"] if HAVE_TORCH else [])
    times: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(runs):  # interleaved: each run measures every framework once
        for name in names:
            times[name].append(measure(workload, name, rounds, threads))
    print(f"\n{spec['title']}")
    labels = {"chainrule": "chainrule", "numpy": "numpy (by hand)", "pytorch": "pytorch"}
    for name, ms in times.items():
        print(
            f"  {labels[name]:16s} {statistics.median(ms):8.3f} ms/step "
            f"(runs {min(ms):.3f}-{max(ms):.3f})"
        )
    print(f"  chainrule / numpy   = {_ratio(times['chainrule'], times['numpy'])}")
    if not HAVE_TORCH:
        print("  pytorch          skipped: torch is not installed (pip install '.[bench]')")
        return
    ratios = [c / p for c, p in zip(times["chainrule"], times["pytorch"])]
    verdict = "meets" if statistics.median(ratios) <= spec["target"] else "misses"
    print(
        f"  chainrule / pytorch = {_ratio(times['chainrule'], times['pytorch'])}  "
        f"({verdict} the target ≤ {spec['target']:.2f})"
    )


def _ratio(ours: list[float], theirs: list[float]) -> str:
    """The per-run ratios: median, and the range over the runs."""
    ratios = sorted(o / t for o, t in zip(ours, theirs))
    return f"{statistics.median(ratios):.2f} (runs {ratios[0]:.2f}-{ratios[-1]:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds per measurement")
    parser.add_argument("--runs", type=int, default=None, help="interleaved runs (7)")
    parser.add_argument("--threads", type=int, default=2, help="BLAS/OpenMP threads (2)")
    parser.add_argument(
        "--worker", nargs=2, metavar=("WORKLOAD", "FRAMEWORK"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    rounds = args.rounds or (3 if args.quick else 10)
    runs = args.runs or (3 if args.quick else 7)
    if args.worker:
        print(median_ms_per_step(*args.worker, rounds))
        return
    versions = f"numpy {np.__version__}"
    if HAVE_TORCH:
        versions += f", torch {importlib.metadata.version('torch')}"
    print(
        f"{versions}; {args.threads} threads; {runs} interleaved runs, each the median of "
        f"{rounds} rounds of one framework in its own process"
    )
    for workload in WORKLOADS:
        report(workload, rounds, runs, args.threads)


if __name__ == "__main__":
    main()
