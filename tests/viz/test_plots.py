"""plot_history and plot_decision_boundary write real images (matplotlib, Agg)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from chainrule.nn import MLP  # noqa: E402
from chainrule.nn.data import make_moons  # noqa: E402
from chainrule.nn.optim import SGD  # noqa: E402
from chainrule.nn.train import fit  # noqa: E402
from chainrule.viz import plot_decision_boundary, plot_history  # noqa: E402
from chainrule.viz.plots import predict_classes  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def test_plot_history_from_fit(tmp_path):
    X, y = make_moons(40, noise=0.1, seed=0)
    model = MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=0.1), epochs=3)
    path = plot_history(history, tmp_path / "history.png")
    assert path.read_bytes()[:8] == PNG


def test_plot_history_from_lists(tmp_path):
    assert plot_history([3.0, 2.0, 1.5], tmp_path / "a.png").read_bytes()[:8] == PNG
    svg = plot_history({"loss": [1, 0.5], "accuracy": [0.5, 0.9]}, tmp_path / "b.svg")
    assert b"<svg" in svg.read_bytes()
    with pytest.raises(ValueError, match="no loss"):
        plot_history({"loss": []}, tmp_path / "c.png")


def test_decision_boundary_scalar_model(tmp_path):
    X, y = make_moons(30, noise=0.1, seed=0)
    model = MLP(2, [4, 1], seed=0)
    path = plot_decision_boundary(model, X, y, tmp_path / "boundary.png", steps=12)
    assert path.read_bytes()[:8] == PNG


def test_decision_boundary_batched_model(tmp_path):
    class Batched:
        batched = True

        def __call__(self, points):
            return points[:, 0] - points[:, 1]  # the line x0 = x1

    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 2.0], [2.0, 0.5]])
    y = np.array([0, 1, 0, 1])
    assert plot_decision_boundary(Batched(), X, y, tmp_path / "b.png").read_bytes()[:8] == PNG
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        plot_decision_boundary(Batched(), np.ones((4, 3)), y, tmp_path / "c.png")


def test_predicted_classes():
    labels = np.array([-1, 1])
    assert list(predict_classes(np.array([-0.3, 0.2]), labels)) == [-1, 1]
    assert list(predict_classes(np.array([0.3, 0.7]), np.array([0, 1]))) == [0, 1]
    scores = np.array([[0.1, 0.9, 0.0], [2.0, 0.0, 1.0]])
    assert list(predict_classes(scores, np.array([0, 1, 2]))) == [1, 0]


def test_plots_draw_into_given_axes(tmp_path):
    from matplotlib.figure import Figure

    figure = Figure()
    left, middle, right = figure.subplots(1, 3)
    history = {"loss": [1.0, 0.5, 0.25], "accuracy": [0.5, 0.75, 1.0]}
    assert plot_history(history, ax=[left, middle], title="run 1") is None
    assert left.get_title() == "run 1" and middle.get_ylabel() == "accuracy"
    assert list(left.lines[0].get_ydata()) == [1.0, 0.5, 0.25]

    class Batched:
        batched = True

        def __call__(self, points):
            return points[:, 0] - points[:, 1]

    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 2.0], [2.0, 0.5]])
    y = np.array([0, 1, 0, 1])
    path = plot_decision_boundary(Batched(), X, y, tmp_path / "all.png", ax=right, title="line")
    assert path is not None and path.read_bytes()[:8] == PNG  # the whole figure, saved
    assert right.get_title() == "line"
    labels = right.get_legend_handles_labels()[1]
    assert labels == ["class 0", "class 1"]
    with pytest.raises(ValueError, match="path= .* or ax="):
        plot_decision_boundary(Batched(), X, y)


def test_threshold_decides_one_output_classes():
    scores = np.array([0.2, 0.7])  # logits that happen to lie in [0, 1]
    labels = np.array([0, 1])
    assert list(predict_classes(scores, labels)) == [0, 1]  # read as probabilities
    assert list(predict_classes(scores, labels, threshold=0.0)) == [1, 1]
