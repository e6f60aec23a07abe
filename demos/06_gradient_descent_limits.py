"""Topic 6: the limits of gradient descent on a non-convex loss, and the usual remedies.

On f(θ) = θ⁴ − 4θ² + 0.8θ (a local minimum near θ = 1.36, the global one near θ = −1.46):
(a) plain gradient descent ends in whichever valley it starts in; (b) from θ0 = 2.5, momentum
and Adam roll past the local minimum where SGD and RMSProp stop; (c) a learning rate near the
stability limit makes SGD oscillate, and a decaying schedule (step, exponential, cosine)
settles it. Every gradient comes from backward().
"""

from __future__ import annotations

import numpy as np
from _common import output_dir
from matplotlib.figure import Figure

from chainrule import Value, nn, no_grad

LOCAL_MINIMUM, GLOBAL_MINIMUM = 1.3613, -1.4618

OPTIMIZERS = {
    "SGD, lr 0.01": lambda p: nn.SGD(p, lr=0.01),
    "SGD + momentum 0.9, lr 0.01": lambda p: nn.SGD(p, lr=0.01, momentum=0.9),
    "RMSProp, lr 0.1": lambda p: nn.RMSProp(p, lr=0.1),
    "Adam, lr 0.5": lambda p: nn.Adam(p, lr=0.5),
}

SCHEDULES = {
    "constant lr 0.14": None,
    "StepLR (×0.5 every 10)": lambda o: nn.StepLR(o, step_size=10, gamma=0.5),
    "ExponentialLR (×0.95)": lambda o: nn.ExponentialLR(o, gamma=0.95),
    "CosineAnnealingLR (60)": lambda o: nn.CosineAnnealingLR(o, T_max=60),
}


def loss(theta: Value) -> Value:
    """The non-convex loss f(θ) = θ⁴ − 4θ² + 0.8θ."""
    return theta**4 - 4 * theta**2 + 0.8 * theta


def descend(make_optimizer, start: float, steps: int, make_schedule=None) -> np.ndarray:
    """θ after each step of an optimizer (and an optional schedule) started at `start`."""
    theta = Value(start, label="θ")
    optimizer = make_optimizer([theta])
    schedule = make_schedule(optimizer) if make_schedule else None
    path = [theta.data]
    for _ in range(steps):
        optimizer.zero_grad()
        loss(theta).backward()
        optimizer.step()
        if schedule is not None:
            schedule.step()
        path.append(theta.data)
    return np.array(path)


def f_values(thetas: np.ndarray) -> np.ndarray:
    with no_grad():
        return np.array([loss(Value(float(t))).data for t in thetas])


def plot_initialisation(axis) -> list[str]:
    """(a): plain GD from several starts; each path drawn on the curve, coloured by its end."""
    grid = np.linspace(-2.3, 2.3, 200)
    axis.plot(grid, f_values(grid), color="k", linewidth=1)
    lines = []
    for start in (-2.0, -0.8, -0.1, 0.25, 0.9, 2.1):
        path = descend(OPTIMIZERS["SGD, lr 0.01"], start, 100)
        colour = "tab:green" if path[-1] < 0 else "tab:red"
        axis.plot(path, f_values(path), ".-", color=colour, markersize=3, linewidth=0.8)
        axis.plot(start, f_values(np.array([start]))[0], "o", color=colour, markersize=6)
        lines.append(f"{start:+.2f} → {path[-1]:+.3f}")
    axis.set_title(
        "(a) plain GD: the start decides the minimum\ngreen: global minimum, red: local minimum",
        fontsize=10,
    )
    axis.set_xlabel("θ")
    axis.set_ylabel("f(θ)")
    axis.set_ylim(-6, 8)
    return lines


def plot_paths(axis, title: str, runs: dict[str, np.ndarray], ylim=None) -> None:
    for name, path in runs.items():
        axis.plot(path, label=name, linewidth=1.5)
    for level, name in ((LOCAL_MINIMUM, "local min"), (GLOBAL_MINIMUM, "global min")):
        axis.axhline(level, color="grey", linestyle=":", linewidth=1)
        if ylim is None or ylim[0] < level < ylim[1]:
            axis.text(len(path) - 1, level + 0.05, name, ha="right", va="bottom", fontsize=8)
    axis.set_title(title, fontsize=10)
    axis.set_xlabel("step")
    axis.set_ylabel("θ")
    if ylim is not None:
        axis.set_ylim(*ylim)
    axis.legend(fontsize=8, loc="center right" if ylim is None else "upper right")


def main() -> None:
    out = output_dir(
        __file__, "Gradient descent on a non-convex loss: starts, optimizers, schedules."
    )
    figure = Figure(figsize=(15, 4.6), layout="constrained")
    axes = figure.subplots(1, 3)
    starts = plot_initialisation(axes[0])
    optimizers = {name: descend(make, 2.5, 100) for name, make in OPTIMIZERS.items()}
    plot_paths(axes[1], "(b) optimizers from θ0 = 2.5, 100 steps", optimizers)
    schedules = {
        name: descend(lambda p: nn.SGD(p, lr=0.14), 1.0, 60, make)
        for name, make in SCHEDULES.items()
    }
    plot_paths(
        axes[2], "(c) SGD at lr 0.14 from θ0 = 1: schedules damp it", schedules, (0.95, 1.65)
    )
    figure.suptitle("Gradient descent on f(θ) = θ⁴ − 4θ² + 0.8θ")
    path = out / "gradient_descent_limits.png"
    figure.savefig(path, dpi=80)
    print("plain GD (lr 0.01), start → end: " + ", ".join(starts))
    for name, run in optimizers.items():
        where = "global" if run[-1] < 0 else "local"
        print(f"from θ0 = 2.5, {name:<28} ends at θ = {run[-1]:+.4f} ({where} minimum)")
    for name, run in schedules.items():
        swing = np.ptp(run[-10:])
        print(f"SGD lr 0.14 from θ0 = 1, {name:<24} last 10 steps swing by {swing:.2e}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
