"""Topic 9: MLPs as universal approximators, fitting a 1-D function.

One hidden tanh layer of growing width fits f(x) = cos(2x) + x/2 better and better; then two
models with about the same number of parameters — shallow-wide (1 → 16 → 1) and
deeper-narrower (1 → 4 → 4 → 4 → 1) — are trained alike and compared. The models are
batched MLPs (NumPy Tensors, one matrix product per layer): the scalar MLP's mathematics and
initial weights, trained on the whole data set at once. Finally the width-4 model, copied
into the scalar MLP, is drawn on one training point: each weight an edge coloured by the sign
of ∂L/∂w and as wide as its size — where that point would pull the fit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import output_dir
from matplotlib.figure import Figure

from chainrule import nn, no_grad, viz
from chainrule.nn import batched

EPOCHS = 300
WIDTHS = (1, 2, 4, 8)
EQUAL_BUDGET = {
    "shallow-wide 1 → 16 → 1": [16, 1],
    "deeper-narrower 1 → 4 → 4 → 4 → 1": [4, 4, 4, 1],
}


def target(x: np.ndarray) -> np.ndarray:
    return np.cos(2 * x) + 0.5 * x


def train(nouts: list[int], x: np.ndarray, y: np.ndarray) -> tuple[batched.MLP, nn.History]:
    """A tanh MLP trained with Adam on the full batch."""
    model = batched.MLP(1, nouts, activation="tanh", seed=0)
    optimizer = nn.Adam(model.parameters(), lr=0.05)
    history = nn.fit(model, x[:, None], y, loss="mse", optimizer=optimizer, epochs=EPOCHS)
    return model, history


def predict(model: batched.MLP, xs: np.ndarray) -> np.ndarray:
    with no_grad():
        return model(xs[:, None]).data.reshape(-1)


def parameter_count(model: batched.MLP) -> int:
    """Scalar parameters: every entry of every weight matrix and bias vector."""
    return sum(parameter.data.size for parameter in model.parameters())


def main() -> None:
    out = output_dir(__file__, "MLPs as universal approximators: width, depth, parameter count.")
    x = np.linspace(-3, 3, 30)
    y = target(x)
    dense = np.linspace(-3, 3, 200)
    figure = Figure(figsize=(15, 4.4), layout="constrained")
    axes = figure.subplots(1, 3)
    for axis in axes[:2]:
        axis.plot(dense, target(dense), color="k", linewidth=3, alpha=0.25, label="target f(x)")
        axis.plot(x, y, "k.", markersize=5, label="training points")
    results = {}
    for width in WIDTHS:
        model, history = train([width, 1], x, y)
        name = f"width {width} ({parameter_count(model)} parameters)"
        axes[0].plot(dense, predict(model, dense), linewidth=1.5, label=name)
        results[name] = history.loss
    for name, nouts in EQUAL_BUDGET.items():
        model, history = train(nouts, x, y)
        name = f"{name} ({parameter_count(model)} parameters)"
        axes[1].plot(dense, predict(model, dense), linewidth=1.5, label=name)
        results[name] = history.loss
    axes[0].set_title("one hidden tanh layer of growing width", fontsize=10)
    axes[1].set_title("about the same parameter count, different shapes", fontsize=10)
    for axis in axes[:2]:
        axis.set_xlabel("x")
        axis.set_ylabel("y")
        axis.legend(fontsize=7, loc="upper left")
    for name, losses in results.items():
        axes[2].semilogy(range(1, EPOCHS + 1), losses, label=name, linewidth=1.2)
    axes[2].set_title(f"training loss (MSE), Adam lr 0.05, {EPOCHS} epochs", fontsize=10)
    axes[2].set_xlabel("epoch")
    axes[2].set_ylabel("MSE (log scale)")
    axes[2].set_ylim(top=100)  # room for the legend above the curves
    axes[2].legend(fontsize=7, loc="upper right")
    figure.suptitle("Fitting f(x) = cos(2x) + x/2 with MLPs")
    path = out / "universal_approximation.png"
    figure.savefig(path, dpi=80)
    for name, losses in results.items():
        print(f"{name:<56} final MSE {losses[-1]:.4f}")
    print(f"wrote {path}")
    draw_weight_gradients(out, x, y)


def draw_weight_gradients(out: Path, x: np.ndarray, y: np.ndarray) -> None:
    """The width-4 model's graph on the training point it fits worst, with ∂L/∂w on each weight."""
    model, _ = train([4, 1], x, y)
    worst = int(np.abs(predict(model, x) - y).argmax())
    scalar = model.to_scalar()  # the same weights, as a graph of Values
    loss = nn.mse(scalar([float(x[worst])]), float(y[worst]))
    loss.backward()
    graph = viz.draw(loss, collapse="neuron")
    written = [
        graph.render(out / "weight_gradients.png"),
        graph.render(out / "weight_gradients.svg"),
    ]
    largest = max(scalar.named_parameters(), key=lambda item: abs(item[1].grad))
    print(
        f"width 4 at x = {x[worst]:.2f} (its worst point), squared error {loss.data:.4f}: "
        f"largest gradient ∂L/∂{largest[0]} = {largest[1].grad:+.4f}"
    )
    print(f"wrote {', '.join(str(path) for path in written)}")


if __name__ == "__main__":
    main()
