"""Topic 5: linear regression, ŷ = θ0 + θ1·x, solved in closed form and by gradient descent.

The closed form (normal equations, with x0 = 1) gives θ* = (XᵀX)⁻¹Xᵀy in one step. Gradient
descent starts elsewhere, takes ∂MSE/∂θ from backward() and walks to the same θ*. "Try a bunch
of θ": the loss evaluated by the engine over a grid of θ is drawn as a contour map with the
descent path on it.
"""

from __future__ import annotations

import numpy as np
from _common import output_dir
from matplotlib.figure import Figure

from chainrule import Value, nn, no_grad

TRUE_THETA = (1.0, 2.0)  # intercept, slope of the line the data come from
START = (-2.5, -1.0)
LEARNING_RATE = 0.1
STEPS = 250


def make_data(n: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Noisy samples of y = 1 + 2x on x ∈ [0, 3]."""
    rng = np.random.default_rng(5)
    x = rng.uniform(0.0, 3.0, size=n)
    return x, TRUE_THETA[0] + TRUE_THETA[1] * x + rng.normal(scale=0.4, size=n)


def mse_loss(theta0, theta1, x: np.ndarray, y: np.ndarray):
    """MSE of the line θ0 + θ1·x on the data, built by the engine."""
    predictions = [theta0 + theta1 * xi for xi in x.tolist()]
    return nn.mse(predictions, y.tolist())


def gradient_descent(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """Plain gradient descent from START; returns the θ path and the losses."""
    theta0, theta1 = Value(START[0], label="θ0"), Value(START[1], label="θ1")
    optimizer = nn.SGD([theta0, theta1], lr=LEARNING_RATE)
    path, losses = [(theta0.data, theta1.data)], []
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = mse_loss(theta0, theta1, x, y)
        loss.backward()
        optimizer.step()
        path.append((theta0.data, theta1.data))
        losses.append(loss.data)
    return np.array(path), losses


def loss_grid(x: np.ndarray, y: np.ndarray, theta0s: np.ndarray, theta1s: np.ndarray):
    """The loss at every θ of a grid ("try a bunch of θ"), evaluated by the engine."""
    with no_grad():
        return np.array(
            [[mse_loss(Value(a), Value(b), x, y).data for a in theta0s] for b in theta1s]
        )


def draw(out, x, y, closed_form, path, grid) -> None:
    theta0s, theta1s, losses = grid
    figure = Figure(figsize=(11, 4.5), layout="constrained")
    left, right = figure.subplots(1, 2)
    left.scatter(x, y, s=18, color="k", label="data")
    line = np.linspace(0, 3, 2)
    left.plot(
        line,
        closed_form[0] + closed_form[1] * line,
        linewidth=3,
        alpha=0.5,
        label=f"closed form θ* = ({closed_form[0]:.2f}, {closed_form[1]:.2f})",
    )
    left.plot(
        line,
        path[-1, 0] + path[-1, 1] * line,
        "--",
        color="tab:red",
        label=f"gradient descent θ = ({path[-1, 0]:.2f}, {path[-1, 1]:.2f})",
    )
    left.set_xlabel("x")
    left.set_ylabel("y")
    left.set_title("the fitted line ŷ = θ0 + θ1·x", fontsize=10)
    left.legend(fontsize=8)
    contours = right.contour(
        theta0s, theta1s, losses, levels=np.geomspace(0.2, 40, 14), cmap="viridis"
    )
    right.clabel(contours, contours.levels[::2], fontsize=7, fmt="%.1f")
    right.plot(
        path[:, 0],
        path[:, 1],
        ".-",
        color="tab:red",
        markersize=4,
        label=f"gradient descent, lr = {LEARNING_RATE}, {STEPS} steps",
    )
    right.plot(*START, "o", color="tab:red")
    right.plot(*closed_form, "*", color="k", markersize=14, label="closed form θ*")
    right.set_xlabel("θ0 (intercept)")
    right.set_ylabel("θ1 (slope)")
    right.set_title("MSE(θ) over a grid of θ, with the descent path", fontsize=10)
    right.legend(fontsize=8, loc="lower right")
    figure.savefig(out / "linear_regression.png", dpi=80)


def main() -> None:
    out = output_dir(__file__, "Linear regression: closed form vs gradient descent.")
    x, y = make_data()
    design = np.stack([np.ones_like(x), x], axis=1)  # x0 = 1 carries the intercept
    closed_form = np.linalg.solve(design.T @ design, design.T @ y)
    path, losses = gradient_descent(x, y)
    grid_axes = np.linspace(-3, 4, 50), np.linspace(-2, 4, 50)
    grid = (*grid_axes, loss_grid(x, y, *grid_axes))
    draw(out, x, y, closed_form, path, grid)
    print(f"closed form      θ* = ({closed_form[0]:.6f}, {closed_form[1]:.6f})")
    print(
        f"gradient descent θ  = ({path[-1, 0]:.6f}, {path[-1, 1]:.6f}) after {STEPS} steps "
        f"(loss {losses[0]:.3f} → {losses[-1]:.4f})"
    )
    print(
        f"largest difference {np.abs(path[-1] - closed_form).max():.1e}; "
        f"grid of {grid[2].size} θ tried, best grid loss {grid[2].min():.4f}"
    )
    print(f"wrote {out / 'linear_regression.png'}")


if __name__ == "__main__":
    main()
