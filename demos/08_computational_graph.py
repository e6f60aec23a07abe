"""Topic 8: a computational graph, y = w·x + q, built one op at a time, forward then backward.

Each op adds one node, which stores its value and its local derivatives at once: m = w·x
records ∂m/∂w = x and ∂m/∂x = w; y = m + q records ∂y/∂m = ∂y/∂q = 1. backward() then
multiplies the local derivatives along the edges: ∂y/∂w = ∂y/∂m · ∂m/∂w = 1 · x.
"""

from __future__ import annotations

from pathlib import Path

from _common import output_dir

from chainrule import Value, viz
from chainrule.viz.export import svg_to_png


def export_png(svg: str, path: Path) -> Path:
    """One frame of a stepper as a PNG (no system Graphviz needed)."""
    path.write_bytes(svg_to_png(svg, zoom=2))
    return path


def main() -> None:
    out = output_dir(__file__, "A computational graph built op by op, forward and backward.")
    w, x, q = Value(3.0, label="w"), Value(-2.0, label="x"), Value(5.0, label="q")
    m = w * x  # op 1: a product node
    m.label = "m"
    y = m + q  # op 2: a sum node
    y.label = "y"
    # the forward pass op by op, each frame showing the value computed and the local
    # derivatives its op records (the pictures the lecture draws by hand)
    forward = viz.steps(y, direction="forward")
    for frame in forward:
        print(f"forward, {frame.title}: " + "; ".join(frame.formulas))
    written = [
        export_png(svg, out / f"forward_{frame.index}.png")
        for frame, svg in zip(forward, forward.svgs())
    ]
    forward_page = forward.render(out / "forward_steps")

    y.backward()
    print(f"backward: ∂y/∂w = {w.grad:g} (= x), ∂y/∂x = {x.grad:g} (= w), ∂y/∂q = {q.grad:g}")
    backward = viz.draw(y, edge_labels=True)
    written += [backward.render(out / "backward.png"), backward.render(out / "backward.svg")]
    page = viz.render_steps(y, out / "steps")
    print(f"pictures: {', '.join(path.name for path in written)} in {out}")
    print(f"step-by-step forward pass: {forward_page}")
    print(f"step-by-step backward pass: {page}")


if __name__ == "__main__":
    main()
