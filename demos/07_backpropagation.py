"""Topic 7: backpropagation on the lecture's example L = (θ1·θ2·x − y)².

At θ1 = 0.5, θ2 = −1.5, x = 2, y = 1 the forward pass gives L = 6.25, and backward() gives
∂L/∂θ1 = 2(θ1θ2x − y)·x·θ2 = 15 and ∂L/∂θ2 = 2(θ1θ2x − y)·x·θ1 = −5. The demo draws the
annotated graph (values, gradients and each edge's local derivative), the chain rule for θ1
and for θ2 written on it, and the step-by-step page that replays the backward pass.
"""

from __future__ import annotations

from pathlib import Path

from _common import output_dir

from chainrule import Value, viz


def lecture_example() -> tuple[Value, Value, Value]:
    """Build L = (θ1·θ2·x − y)² and run backward(); return L, θ1, θ2."""
    theta1 = Value(0.5, label="θ1")
    theta2 = Value(-1.5, label="θ2")
    x = Value(2.0, label="x", requires_grad=False)  # data, not a parameter
    y = Value(1.0, label="y", requires_grad=False)
    loss = (theta1 * theta2 * x - y) ** 2
    loss.backward()
    return loss, theta1, theta2


def chain_rule_lines(loss: Value, leaf: Value) -> list[str]:
    """The chain-rule section of `viz.explain` for one leaf (the lines after its heading)."""
    lines = viz.explain(loss, wrt=leaf).splitlines()
    heading = next(i for i, line in enumerate(lines) if line.startswith("Chain rule for"))
    return [line for line in lines[heading + 1 :] if line.strip()]


def render_both(diagram: viz.Diagram, stem: Path) -> list[Path]:
    """The diagram as SVG (sharp, for a browser) and PNG (for anything else)."""
    return [diagram.render(stem.with_suffix(".svg")), diagram.render(stem.with_suffix(".png"))]


def main() -> None:
    out = output_dir(__file__, "Backpropagation on L = (θ1·θ2·x − y)², drawn and replayed.")
    loss, theta1, theta2 = lecture_example()
    written = render_both(viz.draw(loss, edge_labels=True), out / "graph")
    for leaf, name in ((theta1, "chain_rule_theta1"), (theta2, "chain_rule_theta2")):
        diagram = viz.draw(loss, edge_labels=True, highlight=leaf)
        written += render_both(diagram, out / name)
    page = viz.render_steps(loss, out / "steps")
    written.append(viz.render_steps(loss, out / "backprop.gif"))  # the same frames, for slides
    print("L = (θ1·θ2·x − y)² at θ1 = 0.5, θ2 = −1.5, x = 2, y = 1:")
    print(f"  forward:  L = {loss.data:g}")
    grads = ", ".join(
        f"∂L/∂{leaf.label} = {leaf.grad:g}".replace("-", "−") for leaf in (theta1, theta2)
    )
    print(f"  backward: {grads}")
    for leaf in (theta1, theta2):
        print("  " + " ".join(line.strip() for line in chain_rule_lines(loss, leaf)))
    print(f"pictures: {', '.join(path.name for path in written)} in {out}")
    print(f"open the step-by-step page: {page.resolve().as_uri()}")
    print(f"  ({page})")


if __name__ == "__main__":
    main()
