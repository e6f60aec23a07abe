"""Topic 4: output activations paired with their losses, with gradients from backward().

- Binary classification: p = σ(z) and binary cross-entropy; ∂L/∂z comes out as p − y.
- Multi-class: p = softmax(z), probabilities summing to 1, and cross-entropy; ∂L/∂z = p − onehot.
- Regression: the identity output with MSE (gradient grows with the error) or MAE (constant).
"""

from __future__ import annotations

import numpy as np
from _common import output_dir
from matplotlib.figure import Figure

from chainrule import Value, nn

LOGITS = [2.0, 1.0, 0.1]
TARGET_CLASS = 0


def loss_and_gradient(loss, output, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """loss(output(z)) and its derivative ∂L/∂z (from backward) at each z."""
    losses, grads = [], []
    for point in inputs:
        z = Value(float(point), label="z")
        value = loss(output(z))
        value.backward()
        losses.append(value.data)
        grads.append(z.grad)
    return np.array(losses), np.array(grads)


def binary(axis) -> str:
    """BCE after a sigmoid, as a function of the logit z, for both targets."""
    zs = np.linspace(-6, 6, 121)
    for target, colour in ((1, "tab:blue"), (0, "tab:red")):
        losses, grads = loss_and_gradient(lambda p, t=target: nn.bce(p, t), nn.sigmoid, zs)
        axis.plot(zs, losses, color=colour, linewidth=2, label=f"BCE, y = {target}")
        axis.plot(zs, grads, color=colour, linestyle="--", label=f"∂L/∂z, y = {target}")
    axis.axhline(0, color="grey", linewidth=0.5)
    axis.set_title("binary: p = σ(z), L = BCE(p, y)", fontsize=10)
    axis.set_xlabel("logit z")
    axis.set_ylabel("loss / gradient")
    axis.legend(fontsize=8)
    z = Value(0.8, label="z")
    p = nn.sigmoid(z)
    loss = nn.bce(p, 1)
    loss.backward()
    return (
        f"binary:      z = 0.8 → p = σ(z) = {p.data:.4f}; BCE(p, 1) = {loss.data:.4f}; "
        f"∂L/∂z = {z.grad:+.4f} (= p − y)"
    )


def multiclass(axis) -> str:
    """Logits, softmax probabilities and ∂L/∂z as grouped bars for one sample."""
    logits = [Value(v, label=f"z{i}") for i, v in enumerate(LOGITS)]
    probabilities = nn.softmax(logits)
    loss = nn.cross_entropy(logits, TARGET_CLASS)
    loss.backward()
    groups = {
        "logit z": LOGITS,
        "p = softmax(z)": [p.data for p in probabilities],
        "∂L/∂z": [z.grad for z in logits],
    }
    positions = np.arange(len(LOGITS))
    for offset, (name, heights) in zip((-0.27, 0, 0.27), groups.items()):
        bars = axis.bar(positions + offset, heights, width=0.25, label=name)
        axis.bar_label(bars, fmt="%.2f", fontsize=7, padding=2)
    axis.axhline(0, color="grey", linewidth=0.5)
    axis.set_xticks(positions, [f"class {i}" + (" (target)" if i == 0 else "") for i in positions])
    axis.set_ylim(-1.0, 2.5)
    total = sum(p.data for p in probabilities)
    axis.set_title(f"multi-class: softmax + cross-entropy (Σp = {total:.3f})", fontsize=10)
    axis.legend(fontsize=8, loc="upper right")
    probabilities_text = ", ".join(f"{p.data:.3f}" for p in probabilities)
    gradients_text = ", ".join(f"{z.grad:+.3f}" for z in logits)
    return (
        f"multi-class: z = {LOGITS} → p = [{probabilities_text}] (sum {total:.6f});\n"
        f"             CE = {loss.data:.4f}; ∂L/∂z = [{gradients_text}] (= p − onehot)"
    )


def regression(axis) -> str:
    """MSE and MAE of an identity output as a function of the prediction, target 0."""
    predictions = np.linspace(-3, 3, 121)
    for name, loss, colour in (("MSE", nn.mse, "tab:green"), ("MAE", nn.mae, "tab:purple")):
        losses, grads = loss_and_gradient(lambda p, f=loss: f(p, 0.0), nn.linear, predictions)
        axis.plot(predictions, losses, color=colour, linewidth=2, label=f"{name}")
        axis.plot(predictions, grads, color=colour, linestyle="--", label=f"∂{name}/∂ŷ")
    axis.axhline(0, color="grey", linewidth=0.5)
    axis.set_title("regression: ŷ = z (identity), target y = 0", fontsize=10)
    axis.set_xlabel("prediction ŷ")
    axis.set_ylabel("loss / gradient")
    axis.set_ylim(-6.5, 9.5)
    axis.legend(fontsize=8, loc="upper center")
    y_hat = Value(1.0, label="ŷ")
    mse, mae = nn.mse(y_hat, 3.0), nn.mae(y_hat, 3.0)
    mse.backward()
    mse_grad = y_hat.grad
    y_hat.zero_grad()
    mae.backward()
    return (
        f"regression:  ŷ = 1, y = 3 → MSE = {mse.data:.4f} (∂/∂ŷ = {mse_grad:+.2f}), "
        f"MAE = {mae.data:.4f} (∂/∂ŷ = {y_hat.grad:+.2f})"
    )


def main() -> None:
    out = output_dir(__file__, "Output activations and their losses, with their gradients.")
    figure = Figure(figsize=(14, 4.4), layout="constrained")
    axes = figure.subplots(1, 3)
    lines = [binary(axes[0]), multiclass(axes[1]), regression(axes[2])]
    figure.suptitle("Output activation + loss; dashed lines and ∂L/∂z bars come from backward()")
    path = out / "outputs_and_losses.png"
    figure.savefig(path, dpi=80)
    print("\n".join(lines))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
