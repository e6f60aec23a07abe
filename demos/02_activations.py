"""Topic 2: activation functions and their derivatives, the derivatives taken by backward().

Every curve is sampled point by point: x is a `Value`, y = f(x) is built by the engine, and
y.backward() leaves f'(x) in x.grad. No derivative formula is written in this file.
"""

from __future__ import annotations

import numpy as np
from _common import output_dir
from matplotlib.figure import Figure

from chainrule import Value, gradcheck, nn

LEAKY_SLOPE = 0.1  # larger than the default 0.01 so that the slope is visible in the plot


def softmax_first(x: Value) -> Value:
    """The first output of softmax over the two logits (x, 0)."""
    return nn.softmax([x, Value(0.0, requires_grad=False)])[0]


ACTIVATIONS = {
    "ReLU": nn.relu,
    f"leaky ReLU (slope {LEAKY_SLOPE})": lambda x: nn.leaky_relu(x, LEAKY_SLOPE),
    "sigmoid σ": nn.sigmoid,
    "tanh": nn.tanh,
    "GELU": nn.gelu,
    "linear (identity)": nn.linear,
    "softmax([x, 0]), first output": softmax_first,
}


def curve(f, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(x) and f'(x) at each x, the derivative read from x.grad after backward()."""
    values, grads = [], []
    for point in xs:
        x = Value(float(point), label="x")
        y = f(x)
        y.backward()
        values.append(y.data)
        grads.append(x.grad)
    return np.array(values), np.array(grads)


def plot_softmax_bars(axis, logits: list[float]) -> float:
    """Softmax probabilities of a logit vector as bars; returns their sum."""
    probabilities = [p.data for p in nn.softmax([Value(z) for z in logits])]
    axis.bar(range(len(logits)), probabilities, color="tab:purple")
    for i, p in enumerate(probabilities):
        axis.text(i, p + 0.02, f"{p:.2f}", ha="center", fontsize=9)
    axis.set_xticks(range(len(logits)), [f"z={z:g}" for z in logits])
    axis.set_ylim(0, 1)
    axis.set_title(f"softmax of a layer: Σ p = {sum(probabilities):.3f}", fontsize=10)
    axis.set_ylabel("probability")
    return sum(probabilities)


def main() -> None:
    out = output_dir(__file__, "Activation functions and their engine-computed derivatives.")
    xs = np.linspace(-4, 4, 161)
    figure = Figure(figsize=(13, 6.2), layout="constrained")
    axes = figure.subplots(2, 4)
    columns = "".join(f"{c:>10}" for c in ("f(-1)", "f'(-1)", "f(0)", "f'(0)", "f(1)", "f'(1)"))
    print(f"{'activation':<30}{columns}")
    for axis, (name, f) in zip(axes.flat, ACTIVATIONS.items()):
        values, grads = curve(f, xs)
        axis.plot(xs, values, label="f(x)", color="tab:blue", linewidth=2)
        axis.plot(xs, grads, label="f'(x) from backward()", color="tab:orange", linestyle="--")
        axis.axhline(0, color="grey", linewidth=0.5)
        axis.axvline(0, color="grey", linewidth=0.5)
        axis.set_title(name, fontsize=10)
        axis.set_xlabel("x")
        low = min(-1.2, values.min(), grads.min())
        high = max(1.2, values.max(), grads.max())
        axis.set_ylim(low - 0.3, high + 0.3)
        table = curve(f, np.array([-1.0, 0.0, 1.0]))
        numbers = "".join(f"{v:>+10.4f}{g:>+10.4f}" for v, g in zip(*table))
        print(f"{name:<30}{numbers}")
        # Each engine derivative agrees with central finite differences.
        gradcheck(f, [Value(0.7)])
    axes.flat[0].legend(loc="upper left", fontsize=8)
    total = plot_softmax_bars(axes.flat[-1], [2.0, 1.0, 0.1])
    figure.suptitle("Activation functions f and their derivatives f' (computed by backward())")
    path = out / "activations.png"
    figure.savefig(path, dpi=90)
    print(f"softmax([2, 1, 0.1]) sums to {total:.6f}; every f' agrees with gradcheck at x = 0.7")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
