"""The decision boundary scores a batched model in slices, recording no graph (a wide model on
the whole grid at once held gigabytes)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from chainrule.engine.mode import MODE  # noqa: E402
from chainrule.nn import batched  # noqa: E402
from chainrule.viz import plot_decision_boundary, plots  # noqa: E402


def test_a_batched_model_is_scored_in_slices_without_a_graph(tmp_path):
    model = batched.MLP(2, [5, 1], seed=0)
    calls = []

    class Watched:
        batched = True

        def __call__(self, points):
            calls.append((len(points), MODE.grad_enabled))
            return model(points)

    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 2.0], [2.0, 0.5]])
    plot_decision_boundary(Watched(), X, np.array([0, 1, 0, 1]), tmp_path / "b.png")
    assert sum(rows for rows, _ in calls) == plots.GRID_STEPS**2
    assert max(rows for rows, _ in calls) <= plots.SCORE_ROWS
    assert not any(recording for _, recording in calls)


def test_slices_score_as_the_whole_grid_does():
    model = batched.MLP(2, [7, 3], seed=1)
    points = np.random.default_rng(0).normal(size=(plots.SCORE_ROWS * 2 + 5, 2))
    whole = model(points).data
    assert np.allclose(plots._scores(model, points), whole, rtol=1e-13, atol=1e-15)
