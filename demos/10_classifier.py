"""Topic 10: training a classifier end to end on the two moons, then looking inside it.

A batched MLP (2 → 8 → 8 → 1, ReLU) is trained with Adam on the whole data set at once
(NumPy Tensors), its loss curve and decision boundary are plotted, and the trained weights are
copied into the scalar MLP (`to_scalar`) to draw the computational graph of the loss of the
sample nearest the boundary, every neuron as one node, with its gradients.

When the work outgrows chainrule, the model moves to PyTorch (`chainrule.nn.to_torch`): the
trained network continues there, and the same steps taken in chainrule land on the same
weights. PyTorch is optional (``pip install 'chainrule[torch]'``); without it that last part
says so and is skipped.
"""

from __future__ import annotations

import numpy as np
from _common import output_dir

from chainrule import viz
from chainrule.nn import Adam, batched, bce_with_logits, fit, to_torch
from chainrule.nn.data import make_moons

EPOCHS = 300
MORE_EPOCHS = 100  # the continuation, in PyTorch and in chainrule side by side


def main() -> None:
    out = output_dir(__file__, "Train a classifier batched, plot it, draw one sample's graph.")
    X, y = make_moons(200, noise=0.1, seed=0)
    model = batched.MLP(2, [8, 8, 1], activation="relu", seed=0)
    optimizer = Adam(model.parameters(), lr=0.02)
    history = fit(model, X, y, loss="bce_with_logits", optimizer=optimizer, epochs=EPOCHS)
    written = [
        viz.plot_history(history, out / "loss_curve.png", title="Two moons: training"),
        viz.plot_decision_boundary(
            model, X, y, out / "decision_boundary.png", title="Two moons: decision boundary"
        ),
    ]

    scalar = model.to_scalar()  # the same weights, as a graph of Values
    logits = model(X).data
    nearest = int(abs(logits).argmin())  # the sample the model is least sure about
    sample, label = X[nearest].tolist(), int(y[nearest])
    logit = scalar(sample)
    loss = bce_with_logits(logit, label)
    loss.backward()
    graph = viz.draw(loss, collapse="neuron")
    weights = [item for item in scalar.named_parameters() if ".w." in item[0]]
    largest = max(weights, key=lambda item: abs(item[1].grad))
    # the chain rule for the weight with the largest gradient, through the drawn neurons
    highlighted = viz.draw(loss, collapse="neuron", highlight=largest[1])
    written += [
        graph.render(out / "one_sample_graph.svg"),
        graph.render(out / "one_sample_graph.png"),
        highlighted.render(out / "largest_gradient.png"),
    ]

    print(f"{model}, Adam lr 0.02, {EPOCHS} full-batch epochs on {len(X)} moons points")
    print(
        f"  loss {history.loss[0]:.3f} → {history.loss[-1]:.4f}, "
        f"accuracy {history.accuracy[0]:.0%} → {history.accuracy[-1]:.0%}"
    )
    print(
        f"  sample nearest the boundary x = ({sample[0]:.3f}, {sample[1]:.3f}), class {label}:\n"
        f"  scalar logit {logit.data:.9f}, batched logit {logits[nearest]:.9f}, BCE {loss.data:.4f}"
    )
    print(
        f"  largest weight gradient of that sample's loss: "
        f"∂L/∂{largest[0]} = {largest[1].grad:+.4f}"
    )
    print(f"pictures: {', '.join(path.name for path in written)} in {out}")
    continue_in_torch(model, X, y)


def continue_in_torch(model: batched.MLP, X: np.ndarray, y: np.ndarray) -> None:
    """Hand the trained model to PyTorch, train on there and in chainrule, compare."""
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed (pip install 'chainrule[torch]'): skipping the hand-over")
        return
    sequential = to_torch(model)  # float64 Linear and ReLU modules with the trained weights
    inputs, targets = torch.tensor(X), torch.tensor(y, dtype=torch.float64)
    handover = np.abs(sequential(inputs).detach().numpy()[:, 0] - model(X).data).max()
    print(f"in PyTorch: {sequential}".replace("\n", "\n  "))
    print(f"  logits at the hand-over differ by at most {handover:.1e}")

    torch_optimizer = torch.optim.Adam(sequential.parameters(), lr=0.02)
    for _ in range(MORE_EPOCHS):
        torch_optimizer.zero_grad()
        logits = sequential(inputs)[:, 0]
        torch_loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, targets)
        torch_loss.backward()
        torch_optimizer.step()
    # the same steps in chainrule: a fresh Adam, as PyTorch's starts fresh
    history = fit(
        model,
        X,
        y,
        loss="bce_with_logits",
        optimizer=Adam(model.parameters(), lr=0.02),
        epochs=MORE_EPOCHS,
    )
    drift = max(
        float(np.abs(layer.w.data.T - linear.weight.detach().numpy()).max())
        for layer, linear in zip(model.layers, sequential[::2])
    )
    print(
        f"  {MORE_EPOCHS} more Adam epochs: loss in PyTorch {torch_loss.item():.9e}, "
        f"in chainrule {history.loss[-1]:.9e}; weights differ by at most {drift:.1e}"
    )


if __name__ == "__main__":
    main()
