"""Second-order cost: the full Hessian of a 2-16-16-1 tanh MLP's loss on one sample.

337 parameters, so a 337 × 337 Hessian. chainrule takes the gradient with
``create_graph=True`` and then one backward pass through that gradient's graph per
parameter, on both paths: scalar Values (every weight a Value) and Tensors (one matrix per
layer, each Hessian row seeded by a one-hot ``grad_outputs``). The reference is PyTorch's
``torch.autograd.functional.hessian`` on the same function of a flat float64 parameter
vector: its default (one backward pass per row, as chainrule) and ``vectorize=True`` (the
rows batched with vmap). The runs are interleaved and repeated; the table gives the median
time, the spread (min–max) and the ratios to PyTorch's default. The Hessians are compared
entry by entry. PyTorch is optional (the ``bench`` extra): without it, chainrule's alone.

Usage: ``python benchmarks/hessian.py [--repeats 5]``
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable

import numpy as np

from chainrule import Tensor, Value, grad

SIZES = (2, 16, 16, 1)


def make_problem(seed: int = 0) -> tuple[list[np.ndarray], np.ndarray, float]:
    """Weights and biases per layer (W of shape (n_in, n_out), b of (n_out,)), x and y."""
    rng = np.random.default_rng(seed)
    arrays = []
    for n_in, n_out in zip(SIZES, SIZES[1:]):
        arrays.append(rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_out)))
        arrays.append(rng.normal(0.0, 0.1, size=n_out))
    return arrays, np.array([0.7, -1.3]), 0.4


def parameter_count(arrays: list[np.ndarray]) -> int:
    return sum(a.size for a in arrays)


# ------------------------------------------------------------------------- chainrule, Values
def hessian_values(arrays: list[np.ndarray], x: np.ndarray, y: float) -> np.ndarray:
    params = [[Value(float(v)) for v in a.ravel()] for a in arrays]
    flat = [p for layer in params for p in layer]
    activations: list[Value] = [Value(float(v), requires_grad=False) for v in x]
    layers = len(SIZES) - 1
    for k in range(layers):
        weights, biases = params[2 * k], params[2 * k + 1]
        n_in, n_out = SIZES[k], SIZES[k + 1]
        outputs = []
        for j in range(n_out):
            total = biases[j]
            for i in range(n_in):
                total = total + activations[i] * weights[i * n_out + j]
            outputs.append(total.tanh() if k < layers - 1 else total)
        activations = outputs
    loss = (activations[0] - y) ** 2
    gradient = grad(loss, flat, create_graph=True)
    rows = []
    for g in gradient:
        if not g.requires_grad:
            rows.append([0.0] * len(flat))
            continue
        row = grad(g, flat, allow_unused=True)
        rows.append([0.0 if h is None else h.data for h in row])
    return np.array(rows)


# ------------------------------------------------------------------------ chainrule, Tensors
def hessian_tensors(arrays: list[np.ndarray], x: np.ndarray, y: float) -> np.ndarray:
    params = [Tensor(a, requires_grad=True) for a in arrays]
    h = Tensor(x[None, :])
    layers = len(SIZES) - 1
    for k in range(layers):
        h = h @ params[2 * k] + params[2 * k + 1]
        if k < layers - 1:
            h = h.tanh()
    loss = ((h - y) ** 2).sum()
    gradient = grad(loss, params, create_graph=True)
    rows = []
    for g in gradient:
        for element in range(g.data.size):
            seed = np.zeros(g.data.shape)
            seed.flat[element] = 1.0
            row = grad(g, params, grad_outputs=seed, allow_unused=True)
            rows.append(
                np.concatenate(
                    [
                        np.zeros(p.data.size) if r is None else r.data.ravel()
                        for r, p in zip(row, params)
                    ]
                )
            )
    return np.array(rows)


# ----------------------------------------------------------------------------------- PyTorch
def hessian_torch(
    arrays: list[np.ndarray], x: np.ndarray, y: float, vectorize: bool = False
) -> np.ndarray:
    import torch

    shapes = [a.shape for a in arrays]
    flat = torch.tensor(np.concatenate([a.ravel() for a in arrays]), dtype=torch.float64)
    inputs = torch.tensor(x[None, :], dtype=torch.float64)

    def loss(vector):
        parts, start = [], 0
        for shape in shapes:
            size = int(np.prod(shape))
            parts.append(vector[start : start + size].reshape(shape))
            start += size
        h = inputs
        layers = len(SIZES) - 1
        for k in range(layers):
            h = h @ parts[2 * k] + parts[2 * k + 1]
            if k < layers - 1:
                h = torch.tanh(h)
        return ((h - y) ** 2).sum()

    return torch.autograd.functional.hessian(loss, flat, vectorize=vectorize).numpy()


def seconds(run: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    gc.collect()
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    arrays, x, y = make_problem()
    n = parameter_count(arrays)
    runs: dict[str, Callable[[], np.ndarray]] = {
        "chainrule Values": lambda: hessian_values(arrays, x, y),
        "chainrule Tensors": lambda: hessian_tensors(arrays, x, y),
    }
    try:
        import torch

        torch.set_num_threads(1)  # one thread, as chainrule: the machine is shared
        runs["PyTorch functional.hessian"] = lambda: hessian_torch(arrays, x, y)
        runs["PyTorch, vectorize=True"] = lambda: hessian_torch(arrays, x, y, vectorize=True)
    except ImportError:
        print("PyTorch is not installed (pip install -e '.[bench]'): chainrule's times only")
    times: dict[str, list[float]] = {name: [] for name in runs}
    results: dict[str, np.ndarray] = {}
    for _ in range(args.repeats):  # interleaved: each repeat runs every library once
        for name, run in runs.items():
            elapsed, results[name] = seconds(run)
            times[name].append(elapsed)
    print(f"Hessian of a {'-'.join(map(str, SIZES))} tanh MLP's squared error on one sample:")
    print(f"{n} parameters, {n}×{n} entries; {args.repeats} interleaved repeats\n")
    reference = "PyTorch functional.hessian"
    print(f"{'':28} {'median s':>9} {'min–max s':>15}   ratio to PyTorch (median, min–max)")
    for name, values in times.items():
        median = statistics.median(values)
        line = f"{name:28} {median:9.3f} {min(values):7.3f}–{max(values):<7.3f}"
        if reference in times and name != reference:
            ref = times[reference]
            ratios = [v / r for v, r in zip(values, ref)]
            line += (
                f"   {median / statistics.median(ref):6.1f}×  ({min(ratios):.1f}–{max(ratios):.1f})"
            )
        print(line)
    base = results["chainrule Values"]
    print()
    for name, result in results.items():
        if name != "chainrule Values":
            print(f"max |H − H(chainrule Values)| for {name}: {np.abs(result - base).max():.2e}")
    print(f"symmetric: max |H − Hᵀ| = {np.abs(base - base.T).max():.2e}")


if __name__ == "__main__":
    main()
