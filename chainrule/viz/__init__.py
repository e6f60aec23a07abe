"""Pictures of the chain rule: computational graphs, backward passes step by step, and plots.

`draw` gives a `Diagram` of a graph with every value and gradient; `steps` and
`render_steps` replay the backward pass frame by frame; `explain` tells it as text. The plot
functions need matplotlib (the ``plot`` extra) and import it only when called.
"""

from __future__ import annotations

from typing import Any

from chainrule.viz.diagram import Diagram
from chainrule.viz.dot import draw
from chainrule.viz.render import RendererNotFound, RenderError
from chainrule.viz.steps import Frame, Steps, render_steps, steps
from chainrule.viz.text import explain

__all__ = [
    "Diagram",
    "Frame",
    "RenderError",
    "RendererNotFound",
    "Steps",
    "draw",
    "explain",
    "plot_decision_boundary",
    "plot_history",
    "render_steps",
    "steps",
]


def __getattr__(name: str) -> Any:
    # The plots need matplotlib, an optional extra: import it only when a plot is asked for.
    if name in ("plot_history", "plot_decision_boundary"):
        from chainrule.viz import plots

        return getattr(plots, name)
    raise AttributeError(f"module 'chainrule.viz' has no attribute {name!r}")
