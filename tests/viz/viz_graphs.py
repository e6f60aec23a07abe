"""Graphs the viz tests share: the lecture example and a hand-labelled model graph.

A module of its own (not conftest.py) so that tests import it by a name no other test folder
uses: two folders' conftest modules would collide on the name "conftest".
"""

from __future__ import annotations

from chainrule import Value


def lecture_graph() -> tuple[Value, Value, Value, Value, Value]:
    """L = (θ1·θ2·x − y)² with θ1 = 0.5, θ2 = −1.5, x = 2, y = 1, so ∂L/∂θ1 = 15."""
    theta1, theta2 = Value(0.5, label="θ1"), Value(-1.5, label="θ2")
    x = Value(2.0, label="x", requires_grad=False)
    y = Value(1.0, label="y", requires_grad=False)
    loss = (theta1 * theta2 * x - y) ** 2
    return loss, theta1, theta2, x, y


def labelled_mlp(sizes: tuple[int, ...] = (2, 3, 1), activation: str = "tanh") -> Value:
    """A scalar MLP built by hand, labelled as chainrule.nn labels its values."""
    inputs = [Value(0.5 * (i + 1), label=f"x{i}", requires_grad=False) for i in range(sizes[0])]
    for layer, (nin, nout) in enumerate(zip(sizes, sizes[1:])):
        outputs = []
        for neuron in range(nout):
            path = f"layers.{layer}.neurons.{neuron}"
            weights = [
                Value(0.1 * (k + 1) - 0.15 * neuron, label=f"{path}.w.{k}") for k in range(nin)
            ]
            bias = Value(0.05, label=f"{path}.b")
            total = bias
            for w, x in zip(weights, inputs):
                total = total + w * x
            out = getattr(total, activation)()
            out.label = path
            outputs.append(out)
        inputs = outputs
    return (inputs[0] - 1.0) ** 2
