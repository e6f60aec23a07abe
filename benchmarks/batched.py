"""Training-step time of the batched path beside PyTorch and hand-written NumPy, as ratios.

Two workloads, each one SGD step (forward, loss, backward, update) timed per framework:

1. a dense MLP 784-256-256-10 with ReLU, float32, batch 256, softmax cross-entropy;
2. micrograd's moons model 2-16-16-1, float64, 100 points, hinge loss.

All three start from the same weights and data (random, generated here) and run in this one
process, interleaved: each run times a block of steps of every framework in turn, the order
rotating from run to run, so that a slow moment of the machine (other jobs share its cores)
falls on all of them alike. Each framework's figure is the median over the runs of its
ms/step, with the spread (min–max) beside it. A ratio is the median of the run-by-run
ratios (each run's blocks are neighbours in time), with their quartiles and extremes. BLAS
and PyTorch get the same number of threads (``--threads``, 2 by default).

Run ``python benchmarks/batched.py`` (``--quick`` for fewer runs, ``--profile`` for where the
chainrule step spends its time). Without PyTorch its column is skipped with a note.

On machines that set ``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE`` (older OpenBLAS builds need
them there), a current NumPy runs a slower kernel: the header names the kernel in use.
"""

from __future__ import annotations

import os

# The thread counts must be in the environment before NumPy (and so OpenBLAS) loads;
# `--threads` changes them afterwards through threadpoolctl where it is installed.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "2")

import argparse  # noqa: E402
import gc  # noqa: E402
import importlib.metadata  # noqa: E402
import importlib.util  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from chainrule.engine.tensor import cross_entropy  # noqa: E402
from chainrule.nn import SGD, batched, losses  # noqa: E402

HAVE_TORCH = importlib.util.find_spec("torch") is not None
HAVE_THREADPOOLCTL = importlib.util.find_spec("threadpoolctl") is not None

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

    layers: list[Any] = []
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
    rows = np.arange(n)

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
            value = np.mean(np.log(totals[:, 0]) - shifted[rows, y])
            grad = exps / totals
            grad[rows, y] -= 1
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
        lr=0.01, per_run=5, targets={"pytorch": 1.0, "numpy": 1.1},
    ),
    "moons": dict(
        title="moons MLP 2-16-16-1, ReLU, float64, 100 points, hinge, SGD",
        sizes=[2, 16, 16, 1], dtype=np.float64, batch=100, loss="hinge",
        lr=0.05, per_run=100, targets={"pytorch": 1.0},
    ),
}  # fmt: skip
FRAMEWORKS: dict[str, Callable[..., Step]] = {
    "chainrule": chainrule_step,
    "numpy": numpy_step,
    "pytorch": torch_step,
}
LABELS = {"chainrule": "chainrule", "numpy": "numpy (by hand)", "pytorch": "pytorch"}


def make_steps(workload: str, names: list[str]) -> dict[str, Step]:
    """Each framework's step, all from the same initial weights and data."""
    spec = WORKLOADS[workload]
    sizes, dtype, batch = spec["sizes"], spec["dtype"], spec["batch"]
    rng = np.random.default_rng(0)
    model = batched.MLP(sizes[0], sizes[1:], seed=0, dtype=dtype)
    X = rng.normal(size=(batch, sizes[0])).astype(dtype)
    if spec["loss"] == "cross_entropy":
        y = rng.integers(0, sizes[-1], size=batch)
    else:
        y = np.where(rng.random(batch) < 0.5, -1.0, 1.0).astype(dtype)
    # each framework builds its own copy of the weights (chainrule's model is the original)
    return {name: FRAMEWORKS[name](model, X, y, spec["loss"], spec["lr"]) for name in names}


def time_block(step: Step, steps: int) -> float:
    """ms per step over `steps` consecutive steps, after one untimed step."""
    step()  # the other frameworks ran last: caches and thread pools settle
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps * 1e3


def interleaved(steps: dict[str, Step], runs: int, per_run: int) -> dict[str, list[float]]:
    """`runs` runs, each timing a block of every framework, the order rotating each run.

    The collector runs before each block and is paused during it, and a short pause lets
    the other library's spinning threads go to sleep first.
    """
    names = list(steps)
    times: dict[str, list[float]] = {name: [] for name in names}
    for name in names:  # warm up: allocators, BLAS threads, caches
        time_block(steps[name], per_run)
    for run in range(runs):
        shift = run % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()
            time.sleep(0.05)
            gc.disable()
            try:
                times[name].append(time_block(steps[name], per_run))
            finally:
                gc.enable()
    return times


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):8.3f} ms/step  ({min(values):.3f}–{max(values):.3f})"


def report(workload: str, runs: int, per_run: int | None) -> dict[str, float]:
    """Time one workload; print medians, spreads and ratios; return the medians."""
    spec = WORKLOADS[workload]
    names = ["chainrule", "numpy"] + (["pytorch"] if HAVE_TORCH else [])
    times = interleaved(make_steps(workload, names), runs, per_run or spec["per_run"])
    print(f"\n{spec['title']}")
    for name, values in times.items():
        print(f"  {LABELS[name]:16s} {spread(values)}")
    medians = {name: statistics.median(values) for name, values in times.items()}
    for reference, target in spec["targets"].items():
        if reference not in medians:
            print(f"  chainrule / {reference}: skipped, torch is not installed ('.[bench]' extra)")
            continue
        ratios = [c / r for c, r in zip(times["chainrule"], times[reference])]
        ratio = statistics.median(ratios)
        low, _, high = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
        verdict = "meets" if ratio <= target else "misses"
        print(
            f"  chainrule / {reference:8s} = {ratio:.2f}  (quartiles {low:.2f}–{high:.2f}, "
            f"min–max {min(ratios):.2f}–{max(ratios):.2f}; {verdict} the target ≤ {target:.2f})"
        )
    return medians


def profile(workload: str, steps: int) -> None:
    """cProfile of chainrule's step: the functions where it spends its own time."""
    import cProfile
    import pstats

    step = make_steps(workload, ["chainrule"])["chainrule"]
    time_block(step, steps)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        step()
    profiler.disable()
    print(f"\nchainrule, {WORKLOADS[workload]['title']}: {steps} steps, by own time")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def limit_threads(threads: int) -> str:
    """Set BLAS and PyTorch to `threads` threads; describe the BLAS in use."""
    if HAVE_TORCH:
        import torch

        torch.set_num_threads(threads)
    if not HAVE_THREADPOOLCTL:
        return f"{os.environ['OPENBLAS_NUM_THREADS']} BLAS threads (env; no threadpoolctl)"
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(threads)
    blas = [
        f"{info['internal_api']} {info.get('version')} ({info.get('architecture')}, "
        f"{info['num_threads']} threads)"
        for info in threadpool_info()
        if info["user_api"] == "blas"
    ]
    return "; ".join(blas) or "no BLAS found"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="7 runs instead of 21")
    parser.add_argument("--runs", type=int, default=None, help="interleaved runs (21)")
    parser.add_argument("--per-run", type=int, default=None, help="steps timed per block")
    parser.add_argument("--threads", type=int, default=2, help="BLAS/PyTorch threads (2)")
    parser.add_argument("--profile", action="store_true", help="profile chainrule's dense step")
    parser.add_argument("--workload", choices=list(WORKLOADS), action="append", help="only this")
    args = parser.parse_args()
    runs = args.runs or (7 if args.quick else 21)
    if runs < 1:
        parser.error("--runs must be at least 1")
    blas = limit_threads(args.threads)
    if args.profile:
        profile("mlp", 20)
        return
    versions = f"numpy {np.__version__}"
    if HAVE_TORCH:
        versions += f", torch {importlib.metadata.version('torch')}"
    print(f"{versions}; {blas}; torch threads {args.threads if HAVE_TORCH else '-'}")
    print(f"median of {runs} interleaved runs (min–max)")
    for workload in args.workload or list(WORKLOADS):
        report(workload, runs, args.per_run)


if __name__ == "__main__":
    main()
