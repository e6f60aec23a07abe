"""Topic 8: a computational graph, y = w·x + q, built one op at a time, forward then backward.

Each op adds one node, which stores its value and its local derivatives at once: m = w·x
records ∂m/∂w = x and ∂m/∂x = w; y = m + q records ∂y/∂m = ∂y/∂q = 1. backward() then
multiplies the local derivatives along the edges: ∂y/∂w = ∂y/∂m · ∂m/∂w = 1 · x.
"""

from __future__ import annotations

from _common import output_dir

from chainrule import Value, viz


def main() -> None:
    out = output_dir(__file__, "A computational graph built op by op, forward and backward.")
    w, x, q = Value(3.0, label="w"), Value(-2.0, label="x"), Value(5.0, label="q")
    written = []

    m = w * x  # op 1: a product node
    m.label = "m"
    print(
        f"forward, op 1: m = w·x = {w.data:g}·({x.data:g}) = {m.data:g}; local derivatives "
        f"∂m/∂w = x = {m.local_grads[0]:g}, ∂m/∂x = w = {m.local_grads[1]:g}"
    )
    written.append(
        viz.draw(m, show_grad=False, edge_labels=True).render(out / "forward_1_product.png")
    )

    y = m + q  # op 2: a sum node
    y.label = "y"
    print(
        f"forward, op 2: y = m + q = ({m.data:g}) + {q.data:g} = {y.data:g}; local derivatives "
        f"∂y/∂m = {y.local_grads[0]:g}, ∂y/∂q = {y.local_grads[1]:g}"
    )
    written.append(viz.draw(y, show_grad=False, edge_labels=True).render(out / "forward_2_sum.png"))

    y.backward()
    print(f"backward: ∂y/∂w = {w.grad:g} (= x), ∂y/∂x = {x.grad:g} (= w), ∂y/∂q = {q.grad:g}")
    backward = viz.draw(y, edge_labels=True)
    written += [backward.render(out / "backward.png"), backward.render(out / "backward.svg")]
    page = viz.render_steps(y, out / "steps")
    print(f"pictures: {', '.join(path.name for path in written)} in {out}")
    print(f"step-by-step backward pass: {page}")


if __name__ == "__main__":
    main()
