"""Topic 1: the perceptron, y = f(wᵀx) with x0 = 1, and the lines it can draw in the plane.

The bias is the weight w0 of a constant input x0 = 1, so y = f(w0·x0 + w1·x1 + w2·x2). The demo
builds that sum op by op, draws its graph after backward() (values and gradients), checks it
against `nn.Neuron`, and plots what a perceptron with two inputs can separate: the half-planes
on either side of the line w0 + w1·x1 + w2·x2 = 0, one line for every choice of w.
"""

from __future__ import annotations

import numpy as np
from _common import output_dir
from matplotlib.figure import Figure

from chainrule import Value, nn, no_grad, viz

WEIGHTS = (-0.5, 1.0, 2.0)  # w0 (the bias), w1, w2
INPUTS = (1.5, -0.25)  # x1, x2
FAMILY = [(-0.5, 1.0, 2.0), (0.5, 1.0, 2.0), (0.0, 2.0, -1.0), (1.0, -1.0, -1.0), (0.3, 0.0, 1.0)]


def perceptron(weights, inputs) -> tuple[Value, list[Value]]:
    """y = σ(Σ_i w_i·x_i) over i = 0, 1, 2 with x0 = 1; returns y and the weights."""
    w = [Value(value, label=f"w{i}") for i, value in enumerate(weights)]
    x = [Value(1.0, label="x0", requires_grad=False)]  # the constant input that carries the bias
    x += [Value(value, label=f"x{i}", requires_grad=False) for i, value in enumerate(inputs, 1)]
    total = w[0] * x[0]
    for w_i, x_i in zip(w[1:], x[1:]):
        total = total + w_i * x_i
    total.label = "z"
    y = total.sigmoid()
    y.label = "y"
    return y, w


def neuron_with(weights) -> nn.Neuron:
    """An `nn.Neuron` whose bias b is w0 and whose weights are w1, w2."""
    neuron = nn.Neuron(2, "sigmoid")
    neuron.b.data = weights[0]
    for parameter, value in zip(neuron.w, weights[1:]):
        parameter.data = value
    return neuron


def plot_planes(path) -> None:
    """Left: σ(wᵀx) over the plane for one w; right: the boundary lines of several w."""
    figure = Figure(figsize=(11, 4.8), layout="constrained")
    left, right = figure.subplots(1, 2)
    grid = np.linspace(-2, 2, 61)
    neuron = neuron_with(WEIGHTS)
    with no_grad():
        outputs = np.array([[neuron([a, b]).data for a in grid] for b in grid])
    image = left.contourf(grid, grid, outputs, levels=np.linspace(0, 1, 11), cmap="RdBu_r")
    figure.colorbar(image, ax=left, label="y = σ(w0 + w1·x1 + w2·x2)")
    left.contour(grid, grid, outputs, levels=[0.5], colors="k", linewidths=2)
    left.annotate(
        "",
        xy=(WEIGHTS[1] * 0.6, WEIGHTS[2] * 0.6 + 0.25),
        xytext=(0, 0.25),
        arrowprops={"arrowstyle": "->", "linewidth": 2},
    )
    box = {"facecolor": "white", "alpha": 0.85, "edgecolor": "none"}
    left.text(0.7, 1.5, "w = (w1, w2), normal\nto the line", fontsize=9, bbox=box)
    left.plot(*INPUTS, "k*", markersize=12)
    left.text(INPUTS[0] + 0.1, INPUTS[1] - 0.3, "x (drawn as a graph)", fontsize=9, bbox=box)
    left.set_title(f"one perceptron, w = {WEIGHTS}: y = 0.5 on the line", fontsize=10)
    right.set_title(
        "every w gives a line w0 + w1·x1 + w2·x2 = 0\n(arrows: w, pointing to y > 0.5)", fontsize=10
    )
    for weights, along in zip(FAMILY, (-1.0, -1.6, 1.0, -0.5, 1.2)):
        draw_line(right, weights, along)
    right.legend(fontsize=8, loc="lower left")
    for axis in (left, right):
        axis.set_xlim(-2, 2)
        axis.set_ylim(-2, 2)
        axis.set_aspect("equal")
        axis.set_xlabel("x1")
        axis.set_ylabel("x2")
    figure.suptitle("The perceptron separates the plane with a straight line")
    figure.savefig(path, dpi=80)


def draw_line(axis, weights, along: float) -> None:
    """The line w0 + w1·x1 + w2·x2 = 0 and, at `along` on it, an arrow along w (y > 0.5 side)."""
    w0, w1, w2 = weights
    xs = np.linspace(-2, 2, 2)
    if w2 != 0:
        (line,) = axis.plot(xs, -(w0 + w1 * xs) / w2, linewidth=2, label=f"w = {weights}")
    else:
        (line,) = axis.plot([-w0 / w1] * 2, [-2, 2], linewidth=2, label=f"w = {weights}")
    normal = np.array([w1, w2]) / np.hypot(w1, w2)
    # The point of the line nearest the origin is −w0·w/|w|²; from there, move `along` it.
    start = -w0 * normal / np.hypot(w1, w2) + along * np.array([-normal[1], normal[0]])
    axis.annotate(
        "",
        xy=start + 0.5 * normal,
        xytext=start,
        arrowprops={"arrowstyle": "->", "color": line.get_color(), "linewidth": 2},
    )


def main() -> None:
    out = output_dir(__file__, "The perceptron: its graph, and the lines it can represent.")
    y, w = perceptron(WEIGHTS, INPUTS)
    y.backward()
    graph = viz.draw(y, edge_labels=True)
    written = [
        graph.render(out / "perceptron_graph.png"),
        graph.render(out / "perceptron_graph.svg"),
    ]
    with no_grad():
        neuron_output = neuron_with(WEIGHTS)(list(INPUTS)).data
    plot_planes(out / "perceptron_lines.png")
    written.append(out / "perceptron_lines.png")
    weights_text = ", ".join(f"w{i} = {v:g}" for i, v in enumerate(WEIGHTS))
    print(f"perceptron y = σ(w0·x0 + w1·x1 + w2·x2), x0 = 1, {weights_text}, x = {INPUTS}")
    print(f"  forward: y = {y.data:.4f} (nn.Neuron with b = w0 gives {neuron_output:.4f})")
    gradients = ", ".join(f"∂y/∂w{i} = {p.grad:.4f}" for i, p in enumerate(w))
    print(f"  backward: {gradients}  (= σ'(z)·x_i, σ'(z) = {w[0].grad:.4f})")
    print("  the boundary y = 0.5 is the line w0 + w1·x1 + w2·x2 = 0; arrows show w = (w1, w2)")
    print(f"pictures: {', '.join(path.name for path in written)} in {out}")


if __name__ == "__main__":
    main()
