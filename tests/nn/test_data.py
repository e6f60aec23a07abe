"""Toy data sets: shapes, types, labels and determinism."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.nn import data

CLASSIFICATION = [data.make_moons, data.make_circles, data.make_spirals, data.make_xor]


@pytest.mark.parametrize("make", [*CLASSIFICATION, data.make_blobs, data.make_regression])
def test_deterministic_under_seed(make):
    first, second = make(30, noise=0.1, seed=7), make(30, noise=0.1, seed=7)
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])
    assert not np.array_equal(first[0], make(30, noise=0.1, seed=8)[0])


@pytest.mark.parametrize("make", CLASSIFICATION)
def test_two_balanced_classes(make):
    X, y = make(31, noise=0.05, seed=0)
    assert X.shape == (31, 2) and X.dtype == np.float64
    assert y.dtype.kind == "i" and set(y.tolist()) == {0, 1}
    assert abs(int((y == 0).sum()) - int((y == 1).sum())) <= 1 or make is data.make_xor


def test_moons_without_noise_lie_on_unit_half_circles():
    X, y = data.make_moons(20, seed=0)
    outer, inner = X[y == 0], X[y == 1]
    assert np.allclose(np.hypot(outer[:, 0], outer[:, 1]), 1.0)
    assert np.allclose(np.hypot(inner[:, 0] - 1, inner[:, 1] - 0.5), 1.0)


def test_xor_labels_are_the_sign_disagreement():
    X, y = data.make_xor(50, seed=1)
    assert np.array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(int))
    assert np.abs(X).min() >= 0.1


def test_blobs_and_spirals_many_classes():
    X, y = data.make_blobs(40, centers=4, n_features=3, seed=0)
    assert X.shape == (40, 3) and set(y.tolist()) == {0, 1, 2, 3}
    X, y = data.make_spirals(30, n_classes=3, seed=0)
    assert set(y.tolist()) == {0, 1, 2}


def test_regression_targets():
    X, y = data.make_regression(50, noise=0.0, seed=0)
    assert X.shape == (50, 1) and y.dtype == np.float64
    assert np.allclose(y, np.sin(np.pi * X[:, 0]))


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_samples"):
        data.make_moons(0)
    with pytest.raises(ValueError, match="noise"):
        data.make_moons(10, noise=-1)
    with pytest.raises(ValueError, match="factor"):
        data.make_circles(10, factor=2)
