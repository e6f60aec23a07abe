"""Topic 3: why non-linearities. Two linear layers collapse to one; a non-linear MLP fits XOR.

Part 1 stacks two linear layers, reads their weights, and shows that the network computes
exactly W'x + b' with W' = W2·W1 and b' = W2·b1 + b2: one linear layer. Part 2 trains three
models on XOR — one linear layer, two linear layers, two layers with tanh — and draws their
decision boundaries: only the non-linear one can separate the classes.
"""

from __future__ import annotations

import numpy as np
from _common import output_dir
from matplotlib.figure import Figure

from chainrule import nn, no_grad, viz
from chainrule.nn.data import make_xor


def weights(layer: nn.Layer) -> tuple[np.ndarray, np.ndarray]:
    """A layer's weight matrix (nout, nin) and bias vector, read from its parameters."""
    matrix = np.array([[w.data for w in neuron.w] for neuron in layer.neurons])
    bias = np.array([neuron.b.data for neuron in layer.neurons])
    return matrix, bias


def collapse_linear_layers() -> float:
    """Print W' = W2·W1 for a 3 → 4 → 2 linear network; return the largest output mismatch."""
    model = nn.MLP(3, [4, 2], activation="linear", seed=3)
    rng = np.random.default_rng(0)
    for name, parameter in model.named_parameters():  # biases start at 0: give them values
        if name.endswith(".b"):
            parameter.data = float(rng.uniform(-1.0, 1.0))
    (w1, b1), (w2, b2) = weights(model.layers[0]), weights(model.layers[1])
    w_combined, b_combined = w2 @ w1, w2 @ b1 + b2
    mismatch = 0.0
    with no_grad():
        for x in rng.normal(size=(20, 3)):
            network = np.array([v.data for v in model(x.tolist())])
            mismatch = max(mismatch, float(np.abs(network - (w_combined @ x + b_combined)).max()))
    print("Part 1: two linear layers (3 → 4 → 2) are one linear layer W'x + b':")
    prefix = "  W' = W2·W1 = "
    print(prefix + np.array2string(w_combined, precision=3, prefix=prefix))
    print(f"  b' = W2·b1 + b2 = {np.array2string(b_combined, precision=3)}")
    print(f"  largest |network(x) − (W'x + b')| over 20 random x: {mismatch:.1e}")
    return mismatch


MODELS = {
    "one linear layer": lambda: nn.MLP(2, [1], seed=0),
    "two linear layers (2 → 8 → 1)": lambda: nn.MLP(2, [8, 1], activation="linear", seed=0),
    "two layers with tanh (2 → 8 → 1)": lambda: nn.MLP(2, [8, 1], activation="tanh", seed=0),
}


def train_and_draw(out) -> list[tuple[str, float]]:
    """Train each model on XOR, draw the three decision boundaries; return final accuracies."""
    X, y = make_xor(60, seed=1)
    figure = Figure(figsize=(12, 4.3), layout="constrained")
    axes = figure.subplots(1, 3)
    results = []
    for axis, (name, build) in zip(axes, MODELS.items()):
        model = build()
        optimizer = nn.Adam(model.parameters(), lr=0.05)
        history = nn.fit(model, X, y, loss="bce_with_logits", optimizer=optimizer, epochs=150)
        accuracy = history.accuracy[-1]
        results.append((name, accuracy))
        # the models output logits: class 1 where the logit is above 0
        title = f"{name}\naccuracy {accuracy:.0%}"
        viz.plot_decision_boundary(model, X, y, ax=axis, title=title, steps=45, threshold=0.0)
        axis.title.set_fontsize(10)
        axis.set_aspect("equal")
    figure.legend(
        *axes[0].get_legend_handles_labels(), loc="upper center", ncol=2, bbox_to_anchor=(0.5, 0.0)
    )
    figure.suptitle("XOR: stacking linear layers stays linear; a non-linearity bends the boundary")
    path = out / "xor_boundaries.png"
    figure.savefig(path, dpi=80, bbox_inches="tight")
    return results


def main() -> None:
    out = output_dir(__file__, "Why non-linearities: linear layers collapse; MLPs fit XOR.")
    collapse_linear_layers()
    print("Part 2: training on XOR (60 points, Adam, 150 epochs):")
    for name, accuracy in train_and_draw(out):
        print(f"  {name:<34} accuracy {accuracy:.0%}")
    print(f"wrote {out / 'xor_boundaries.png'}")


if __name__ == "__main__":
    main()
