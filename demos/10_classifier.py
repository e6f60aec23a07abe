"""Topic 10: training a classifier end to end on the two moons, then looking inside it.

A batched MLP (2 → 8 → 8 → 1, ReLU) is trained with Adam on the whole data set at once
(NumPy Tensors), its loss curve and decision boundary are plotted, and the trained weights are
copied into the scalar MLP (`to_scalar`) to draw the computational graph of the loss of the
sample nearest the boundary, every neuron as one node, with its gradients.
"""

from __future__ import annotations

from _common import output_dir

from chainrule import viz
from chainrule.nn import Adam, batched, bce_with_logits, fit
from chainrule.nn.data import make_moons

EPOCHS = 300


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
    written += [
        graph.render(out / "one_sample_graph.svg"),
        graph.render(out / "one_sample_graph.png"),
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
    largest = max(scalar.named_parameters(), key=lambda item: abs(item[1].grad))
    print(f"  largest gradient of that sample's loss: ∂L/∂{largest[0]} = {largest[1].grad:+.4f}")
    print(f"pictures: {', '.join(path.name for path in written)} in {out}")


if __name__ == "__main__":
    main()
