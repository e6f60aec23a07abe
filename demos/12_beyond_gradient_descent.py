"""Beyond gradient descent: second derivatives from the engine, and Newton's method.

A gradient built with ``create_graph=True`` is a Value with its own graph, so the engine can
differentiate it again. (a) On the double well of topic 6, f(θ) = θ⁴ − 4θ² + 0.8θ, Newton's
method θ ← θ − f'(θ)/f''(θ) reaches a minimum in a handful of steps where gradient descent
needs a hundred — and from a start where f'' < 0 it climbs to the maximum: Newton looks for
f' = 0, not for low f. (b) On the lecture's loss L = (θ1·θ2·x − y)², a Newton step in θ1 alone
lands on the valley of minima at once (L is a parabola in θ1, ∂²L/∂θ1² = 2x²θ2² = 18), while
Newton in (θ1, θ2) converges to the saddle at (0, 0): its Hessian [[18, −16], [−16, 2]] is
indefinite. (c) tanh and its first three derivatives, each taken by the engine from the graph
of the one before. (d) The gradient ∂L/∂θ1 drawn as the graph that computes it.
"""

from __future__ import annotations

import numpy as np
from _common import output_dir
from matplotlib.figure import Figure
from matplotlib.image import imread

from chainrule import Value, grad, no_grad
from chainrule.engine.higher import derivative
from chainrule.viz import draw

X, Y = 2.0, 1.0  # the lecture's input and target
START = (0.5, -1.5)  # the lecture's θ1, θ2


def double_well(theta: Value) -> Value:
    """Topic 6's non-convex loss f(θ) = θ⁴ − 4θ² + 0.8θ."""
    return theta**4 - 4 * theta**2 + 0.8 * theta


def lecture_loss(theta1: Value, theta2: Value) -> Value:
    """L = (θ1·θ2·x − y)² at the lecture's x = 2, y = 1."""
    return (theta1 * theta2 * X - Y) ** 2


def newton_1d(start: float, steps: int) -> np.ndarray:
    """θ ← θ − f'(θ)/f''(θ), both derivatives from the engine."""
    path = [start]
    for _ in range(steps):
        theta = Value(path[-1], label="θ")
        (slope,) = grad(double_well(theta), [theta], create_graph=True)
        (curvature,) = grad(slope, [theta])
        path.append(path[-1] - slope.data / curvature.data)
    return np.array(path)


def descent_1d(start: float, steps: int, lr: float = 0.01) -> np.ndarray:
    path = [start]
    for _ in range(steps):
        theta = Value(path[-1])
        double_well(theta).backward()
        path.append(path[-1] - lr * theta.grad)
    return np.array(path)


def gradient_and_hessian(point: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """∇L and the Hessian of the lecture loss at (θ1, θ2), by differentiating twice."""
    thetas = [Value(float(point[0]), label="θ1"), Value(float(point[1]), label="θ2")]
    first = grad(lecture_loss(*thetas), thetas, create_graph=True)
    hessian = np.array([[h.data for h in grad(g, thetas)] for g in first])
    return np.array([g.data for g in first]), hessian


def newton_2d(start: tuple[float, float], steps: int, only_theta1: bool = False) -> np.ndarray:
    path = [np.array(start)]
    for _ in range(steps):
        gradient, hessian = gradient_and_hessian(path[-1])
        if only_theta1:  # Newton in θ1 alone, θ2 held: one number, ∂L/∂θ1 ÷ ∂²L/∂θ1²
            step = np.array([gradient[0] / hessian[0, 0], 0.0])
        else:
            step = np.linalg.solve(hessian, gradient)
        path.append(path[-1] - step)
    return np.array(path)


def descent_2d(start: tuple[float, float], steps: int, lr: float) -> np.ndarray:
    path = [np.array(start)]
    for _ in range(steps):
        gradient, _ = gradient_and_hessian(path[-1])
        path.append(path[-1] - lr * gradient)
    return np.array(path)


def tanh_derivatives(xs: np.ndarray, orders: int = 3) -> list[np.ndarray]:
    """tanh and its derivatives up to `orders`, each by the engine from the one before."""
    curves: list[list[float]] = [[] for _ in range(orders + 1)]
    for x0 in xs:
        x = Value(float(x0), label="x")
        y = x.tanh()
        curves[0].append(y.data)
        for n in range(1, orders + 1):
            curves[n].append(derivative(y, x, n).data)
    return [np.array(c) for c in curves]


def plot_double_well(axis) -> list[str]:
    grid = np.linspace(-2.3, 2.6, 300)
    with no_grad():
        f = np.array([double_well(Value(float(t))).data for t in grid])
    axis.plot(grid, f, color="k", linewidth=1)
    lines = []
    for start, colour in ((2.5, "tab:red"), (-2.0, "tab:green"), (0.3, "tab:purple")):
        newton = newton_1d(start, 8)
        descent = descent_1d(start, 100)
        for path, style, name in ((newton, "o-", "Newton"), (descent, ".:", "GD")):
            with no_grad():
                heights = [double_well(Value(float(t))).data for t in path]
            axis.plot(path, heights, style, color=colour, markersize=4, linewidth=1,
                      label=f"{name} from {start:+g}")  # fmt: skip
        steps = int(np.argmax(np.abs(np.diff(newton)) < 1e-10)) or len(newton) - 1
        curvature = 12 * newton[-1] ** 2 - 8  # f'' in closed form, for the words only
        kind = "a minimum" if curvature > 0 else "a maximum: f'' < 0 there"
        lines.append(
            f"double well from θ0 = {start:+g}: Newton θ = {newton[-1]:+.4f} in {steps} steps"
            f" ({kind}); gradient descent (lr 0.01) θ = {descent[-1]:+.4f} after 100 steps"
        )
    axis.set_ylim(-6, 12)  # headroom: the legend sits above the paths
    axis.set_xlabel("θ")
    axis.set_ylabel("f(θ)")
    axis.set_title(
        "(a) f = θ⁴ − 4θ² + 0.8θ: Newton θ ← θ − f′/f″ vs GD\n"
        "Newton seeks f′ = 0: from +0.3 (f″ < 0) it climbs",
        fontsize=10,
    )
    axis.legend(fontsize=7, ncol=2, loc="upper center")
    return lines


def plot_lecture_loss(axis) -> list[str]:
    t1, t2 = np.meshgrid(np.linspace(-1.2, 1.2, 200), np.linspace(-2.0, 1.0, 200))
    loss = (t1 * t2 * X - Y) ** 2  # the surface itself, for the contour lines only
    axis.contour(t1, t2, np.log1p(loss), levels=18, colors="0.75", linewidths=0.7)
    branch = np.linspace(-1.2, -0.25, 50)
    axis.plot(branch, 0.5 / branch, color="tab:green", linewidth=2, label="minima: θ1θ2 = 1/2")
    runs = {
        "GD, lr 0.02, 40 steps": (descent_2d(START, 40, 0.02), ".-", "tab:blue"),
        "Newton in θ1 alone: 1 step": (newton_2d(START, 1, only_theta1=True), "o-", "tab:green"),
        "Newton in (θ1, θ2) → saddle": (newton_2d(START, 8), "s-", "tab:red"),
    }
    for name, (path, style, colour) in runs.items():
        axis.plot(path[:, 0], path[:, 1], style, color=colour, markersize=4, label=name)
    axis.plot(0, 0, "x", color="k", markersize=9, label="saddle (0, 0)")
    axis.set_xlim(-1.2, 1.2)
    axis.set_ylim(-2.0, 1.0)
    axis.set_xlabel("θ1")
    axis.set_ylabel("θ2")
    axis.set_title(
        "(b) L = (θ1·θ2·x − y)² from (0.5, −1.5); Hessian\n"
        "[[18, −16], [−16, 2]] is indefinite: Newton → saddle",
        fontsize=10,
    )
    axis.legend(fontsize=7, loc="upper left")
    gradient, hessian = gradient_and_hessian(np.array(START))
    newton_theta1 = runs["Newton in θ1 alone: 1 step"][0][-1]
    saddle = runs["Newton in (θ1, θ2) → saddle"][0][-1]
    return [
        f"lecture loss: ∂L/∂θ1 = {gradient[0]:g}, ∂²L/∂θ1² = {hessian[0, 0]:g} (= 2x²θ2²), "
        f"Hessian [[{hessian[0, 0]:g}, {hessian[0, 1]:g}], [{hessian[1, 0]:g}, {hessian[1, 1]:g}]]",
        f"Newton in θ1 alone: θ1 = {newton_theta1[0]:.4f} after one step, "
        f"L = {lecture_loss(Value(newton_theta1[0]), Value(newton_theta1[1])).data:.3g}",
        f"Newton in (θ1, θ2): ({saddle[0]:.3g}, {saddle[1]:.3g}) after 8 steps, the saddle, L = "
        f"{lecture_loss(Value(saddle[0]), Value(saddle[1])).data:.3g}",
    ]


def plot_tanh(axis) -> str:
    xs = np.linspace(-4, 4, 161)
    curves = tanh_derivatives(xs)
    names = ["tanh x", "tanh′ = 1 − tanh²", "tanh″", "tanh‴"]
    for curve, name in zip(curves, names):
        axis.plot(xs, curve, label=name, linewidth=1.6)
    axis.axhline(0, color="grey", linewidth=0.5)
    axis.set_xlabel("x")
    axis.set_title("(c) tanh and its first three derivatives, by the engine", fontsize=10)
    axis.legend(fontsize=8)
    at_zero = [curve[len(xs) // 2] for curve in curves[1:]]
    return "tanh at 0: derivatives " + ", ".join(f"{v + 0.0:g}" for v in at_zero)


def draw_gradient_graph(out) -> tuple[str, object]:
    theta1, theta2 = Value(START[0], label="θ1"), Value(START[1], label="θ2")
    x, y = Value(X, label="x", requires_grad=False), Value(Y, label="y", requires_grad=False)
    loss = (theta1 * theta2 * x - y) ** 2
    loss.label = "L"
    (dtheta1,) = grad(loss, [theta1], create_graph=True)
    diagram = draw(dtheta1, rankdir="LR")
    diagram.render(out / "dL_dtheta1.svg")
    png = diagram.render(out / "dL_dtheta1.png")
    return f"{dtheta1.label} = {dtheta1.data:g}, drawn as its own graph", png


def main() -> None:
    out = output_dir(__file__, "Second derivatives from the engine: Newton's method, tanh‴.")
    figure = Figure(figsize=(15, 10), layout="constrained")
    axes = figure.subplot_mosaic([["well", "lecture", "tanh"], ["graph", "graph", "graph"]],
                                 height_ratios=[1.1, 0.9])  # fmt: skip
    lines = plot_double_well(axes["well"])
    lines += plot_lecture_loss(axes["lecture"])
    lines.append(plot_tanh(axes["tanh"]))
    text, png = draw_gradient_graph(out)
    lines.append(text)
    axes["graph"].imshow(imread(png))
    axes["graph"].set_axis_off()
    axes["graph"].set_title(
        "(d) ∂L/∂θ1 = θ2·(x·2(θ1θ2x − y)) = 15: the backward pass recorded as a graph "
        "(create_graph=True); differentiate it again for ∂²L/∂θ1² = 18",
        fontsize=10,
    )
    figure.suptitle("Beyond gradient descent: second derivatives from the engine")
    path = out / "beyond_gradient_descent.png"
    figure.savefig(path, dpi=80)
    for line in lines:
        print(line)
    print(f"wrote {path} and {out / 'dL_dtheta1.svg'}")


if __name__ == "__main__":
    main()
