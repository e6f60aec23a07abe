"""Training pictures: loss and metric curves, and decision boundaries of 2-D classifiers.

Needs matplotlib (the ``plot`` extra), imported only when a plot is made, with the Agg
backend so that it works with no display.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy

from chainrule._files import write_atomic
from chainrule.engine.mode import no_grad

GRID_STEPS = 200
SCORE_ROWS = 2048  # grid points a batched model scores at once
#: The image formats a plot is written in, chosen by the file's suffix.
FORMATS = ("png", "svg", "pdf")
_CLASS_COLOURS = [
    "#3b6fb6", "#d1242f", "#3f8f3a", "#e36209", "#6a4fb3", "#8c564b", "#17becf", "#7f7f7f",
    "#bcbd22", "#e377c2",
]  # fmt: skip


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plots need matplotlib: pip install 'chainrule[plot]' (or pip install matplotlib)"
        ) from error
    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    return pyplot


def _series(history: Any, name: str) -> list[float]:
    """A metric per epoch from a `fit` history, a dict of lists, or records; [] if absent."""
    if isinstance(history, dict):
        values = history.get(name, [])
    elif hasattr(history, name):
        values = getattr(history, name)
    else:
        values = [getattr(record, name, None) for record in getattr(history, "records", [])]
    return [float(v) for v in values if v is not None]


def plot_history(
    history: Any,
    path: str | os.PathLike[str] | None = None,
    *,
    title: str = "Training",
    ax: Any = None,
) -> Path | None:
    """Plot the loss per epoch and, if recorded, accuracy or R²; save it or draw into `ax`.

    Args:
        history: what `chainrule.nn.train.fit` returns, or a dict of lists
            (``{"loss": [...], "accuracy": [...]}``), or a plain list of losses.
        path: the image to write (.png, .svg or .pdf, by suffix); optional with `ax`.
        title: the figure title (with `ax`: the title of the loss plot).
        ax: a matplotlib Axes to draw the loss into, or a sequence of Axes: the loss in the
            first, each recorded metric in the next ones while there are Axes left. With
            `path` too, the Axes' figure is saved there.

    Returns:
        The path written, or None when drawing into `ax` only.

    Raises:
        ValueError: when the history holds no loss values, or neither path nor ax is given.
        ImportError: when matplotlib is not installed.
    """
    if isinstance(history, Sequence) and not isinstance(history, (str, bytes, dict)):
        if history and isinstance(history[0], (int, float)):
            history = {"loss": list(history)}
    loss = _series(history, "loss")
    if not loss:
        raise ValueError("the history has no loss values to plot")
    _check_target(path, ax)
    metrics = {name: _series(history, name) for name in ("accuracy", "r2")}
    metrics = {name: values for name, values in metrics.items() if values}
    pyplot = _pyplot()
    if ax is None:
        figure, axes = pyplot.subplots(1, 1 + len(metrics), figsize=(5 + 4 * len(metrics), 3.6))
        axes = list(numpy.atleast_1d(axes))
    else:
        axes = list(ax) if isinstance(ax, (Sequence, numpy.ndarray)) else [ax]
        figure = axes[0].figure
    _draw_history(axes, loss, metrics)
    if ax is None:
        figure.suptitle(title)
        figure.tight_layout()
    else:
        axes[0].set_title(title)
    return _finish(pyplot, figure, path, close=ax is None)


def _draw_history(axes: list[Any], loss: list[float], metrics: dict[str, list[float]]) -> None:
    epochs = numpy.arange(1, len(loss) + 1)
    axes[0].plot(epochs, loss, color="#d1242f", linewidth=1.8)
    axes[0].set(xlabel="epoch", ylabel="loss", title="loss")
    if min(loss) > 0 and max(loss) / min(loss) > 100:
        axes[0].set_yscale("log")
    for axis, (name, values) in zip(axes[1:], metrics.items()):
        axis.plot(numpy.arange(1, len(values) + 1), values, color="#3f6fb5", linewidth=1.8)
        axis.set(xlabel="epoch", ylabel=name, title="accuracy" if name == "accuracy" else "R²")
        if name == "accuracy":
            axis.set_ylim(0, 1.02)
    for axis in axes[: 1 + len(metrics)]:
        axis.grid(alpha=0.3)


def _check_target(path: str | os.PathLike[str] | None, ax: Any) -> None:
    if path is None and ax is None:
        raise ValueError("nothing to draw on: give path= (a file to write) or ax= (an Axes)")
    if path is not None and _format(path) not in FORMATS:
        raise ValueError(
            f"cannot tell the image format of {Path(path).name!r}: use a "
            f"{', '.join('.' + f for f in FORMATS[:-1])} or .{FORMATS[-1]} suffix"
        )


def _format(path: str | os.PathLike[str]) -> str:
    return Path(path).suffix.lstrip(".").lower() or "png"


def _finish(
    pyplot: Any, figure: Any, path: str | os.PathLike[str] | None, *, close: bool
) -> Path | None:
    """Save the figure to `path` if there is one; close a figure the plot made itself."""
    written = None
    if path is not None:
        target = Path(path)
        buffer = io.BytesIO()
        figure.savefig(buffer, format=_format(target), dpi=130)
        written = write_atomic(target, buffer.getvalue())
    if close:
        pyplot.close(figure)
    return written


def _scores(model: Any, points: numpy.ndarray) -> numpy.ndarray:
    """The model's outputs on `points`, shape (n,) for one output or (n, classes)."""
    if getattr(model, "batched", False):
        # In slices and recording no graph: a wide model on the whole 200 × 200 grid at once
        # would hold gigabytes of activations.
        parts = []
        with no_grad():
            for start in range(0, len(points), SCORE_ROWS):
                out = model(points[start : start + SCORE_ROWS])
                parts.append(numpy.asarray(getattr(out, "data", out), dtype=float))
        return numpy.concatenate(parts)
    rows: list[Any] = []
    with no_grad():  # only the outputs are needed: recording graphs would only cost time
        for point in points:
            out = model([float(v) for v in point])
            if isinstance(out, (list, tuple)):
                rows.append([_as_float(v) for v in out])
            else:
                rows.append(_as_float(out))
    return numpy.asarray(rows, dtype=float)


def _grid(points: numpy.ndarray, count: int) -> tuple[numpy.ndarray, numpy.ndarray]:
    """A count × count grid over the points' bounding box, with a 10% margin."""
    margin = 0.1 * (points.max(axis=0) - points.min(axis=0)) + 0.1
    low, high = points.min(axis=0) - margin, points.max(axis=0) + margin
    xs, ys = numpy.linspace(low[0], high[0], count), numpy.linspace(low[1], high[1], count)
    return numpy.meshgrid(xs, ys)  # type: ignore[return-value]


def _as_float(value: Any) -> float:
    return float(getattr(value, "data", value))


def predict_classes(
    scores: numpy.ndarray, labels: numpy.ndarray, threshold: float | None = None
) -> numpy.ndarray:
    """Class per point: argmax for several outputs; one score is compared with `threshold`.

    The default threshold is 0.5 when the labels are 0/1 and the scores look like
    probabilities, else 0 (a logit, or a ±1 margin). Pass ``threshold=0`` for a model that
    outputs logits, whose scores may all happen to lie in [0, 1].
    """
    if scores.ndim == 2 and scores.shape[1] > 1:
        return numpy.unique(labels)[scores.argmax(axis=1)] if labels.size else scores.argmax(1)
    scores = scores.reshape(-1)
    classes = numpy.unique(labels)
    low, high = (classes[0], classes[-1]) if classes.size >= 2 else (0, 1)
    if threshold is None:
        threshold = default_threshold(scores, labels)
    return numpy.where(scores > threshold, high, low)


def default_threshold(scores: numpy.ndarray, labels: numpy.ndarray) -> float:
    """0.5 for probability-like scores with 0/1 labels, else 0 (a logit or a ±1 margin)."""
    classes = numpy.unique(labels)
    low = classes[0] if classes.size >= 2 else 0
    return 0.5 if low == 0 and scores.min() >= 0 and scores.max() <= 1 else 0.0


def plot_decision_boundary(
    model: Any,
    X: Any,
    y: Any,
    path: str | os.PathLike[str] | None = None,
    *,
    title: str = "Decision boundary",
    steps: int | None = None,
    threshold: float | None = None,
    ax: Any = None,
) -> Path | None:
    """Colour the plane by the class a 2-D classifier predicts, with the data on top.

    Args:
        model: a scalar model (called per point with a list of two numbers) or a batched one
            (``model.batched`` true: called once on the whole grid as an array).
        X: points, shape (n, 2).
        y: labels, shape (n,): -1/1 or 0/1 for one output, class indices for several.
        path: the image to write; optional with `ax`.
        title: the plot's title.
        steps: grid points per axis (default 200 for a batched model, 60 per point otherwise).
        threshold: for one output, the score above which the higher class is predicted
            (default: see `predict_classes`).
        ax: a matplotlib Axes to draw into instead of a new figure; with `path` too, its
            figure is saved there.

    Returns:
        The path written, or None when drawing into `ax` only.

    Raises:
        ValueError: when X is not (n, 2), y does not match it, or neither path nor ax is given.
    """
    points = numpy.asarray(getattr(X, "data", X), dtype=float)
    labels = numpy.asarray(getattr(y, "data", y)).reshape(-1)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs X of shape (n, 2), got {points.shape}")
    if labels.shape[0] != points.shape[0]:
        raise ValueError(f"X has {points.shape[0]} points but y has {labels.shape[0]} labels")
    _check_target(path, ax)
    count = steps or (GRID_STEPS if getattr(model, "batched", False) else 60)
    grid_x, grid_y = _grid(points, count)
    grid = numpy.column_stack([grid_x.ravel(), grid_y.ravel()])
    scores = _scores(model, grid)
    predicted = predict_classes(scores, labels, threshold).reshape(grid_x.shape)
    pyplot = _pyplot()
    if ax is None:
        figure, axis = pyplot.subplots(figsize=(5.2, 4.6))
    else:
        figure, axis = ax.figure, ax
    _draw_regions(axis, grid_x, grid_y, predicted, points, labels)
    if scores.ndim == 1 or scores.shape[1] == 1:  # the boundary is where the score crosses
        level = default_threshold(scores, labels) if threshold is None else threshold
        smooth = scores.reshape(grid_x.shape)
        if smooth.min() < level < smooth.max():
            axis.contour(grid_x, grid_y, smooth, levels=[level], colors="#333333", linewidths=1)
    axis.set(title=title, xlabel="x₀", ylabel="x₁")
    if ax is None:
        figure.tight_layout()
    return _finish(pyplot, figure, path, close=ax is None)


def _draw_regions(
    axis: Any,
    grid_x: numpy.ndarray,
    grid_y: numpy.ndarray,
    predicted: numpy.ndarray,
    points: numpy.ndarray,
    labels: numpy.ndarray,
) -> None:
    """Predicted regions, the boundary between them as a line, and each class's points."""
    from matplotlib.colors import BoundaryNorm, ListedColormap

    classes = numpy.unique(numpy.concatenate([labels, predicted.ravel()]))
    colours = ListedColormap(_CLASS_COLOURS[: max(2, len(classes))])
    norm = BoundaryNorm(numpy.arange(colours.N + 1) - 0.5, colours.N)
    index = numpy.searchsorted(classes, predicted)
    axis.contourf(grid_x, grid_y, index, levels=norm.boundaries, cmap=colours, norm=norm, alpha=0.3)
    if len(classes) > 2 and len(numpy.unique(index)) > 1:  # several outputs: between regions
        levels = numpy.arange(len(classes) - 1) + 0.5
        axis.contour(grid_x, grid_y, index, levels=levels, colors="#333333", linewidths=0.8)
    for position, label in enumerate(classes):
        chosen = labels == label
        if chosen.any():
            axis.scatter(
                points[chosen, 0],
                points[chosen, 1],
                color=colours(position),
                edgecolors="black",
                linewidths=0.5,
                s=22,
                label=f"class {_format_label(label)}",
            )


def _format_label(label: Any) -> str:
    value = float(label)
    return str(int(value)) if value.is_integer() else f"{value:g}"
