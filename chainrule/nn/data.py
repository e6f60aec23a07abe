"""Toy data sets generated locally and deterministically under a seed (nothing is downloaded).

Every function returns ``(X, y)`` NumPy arrays: ``X`` float64 of shape (n_samples, features),
``y`` int class labels (0, 1, …) or, for `make_regression`, float targets. The same `seed`
gives the same arrays on every run; samples are shuffled.
"""

from __future__ import annotations

import numpy as np

Dataset = tuple[np.ndarray, np.ndarray]


def _check(n_samples: int, noise: float) -> None:
    if not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive int, got {n_samples!r}")
    if noise < 0:
        raise ValueError(f"noise must be non-negative, got {noise!r}")


def _split(n_samples: int, n_classes: int) -> list[int]:
    """Sizes of `n_classes` groups summing to n_samples, as even as possible."""
    return [
        n_samples // n_classes + (1 if i < n_samples % n_classes else 0) for i in range(n_classes)
    ]


def _finish(rng: np.random.Generator, X: np.ndarray, y: np.ndarray, noise: float) -> Dataset:
    X = X + rng.normal(scale=noise, size=X.shape) if noise else X
    order = rng.permutation(len(X))
    return X[order].astype(np.float64), y[order]


def make_moons(n_samples: int = 100, *, noise: float = 0.0, seed: int | None = None) -> Dataset:
    """Two interleaving half circles (scikit-learn's construction), classes 0 and 1.

    >>> X, y = make_moons(10, noise=0.1, seed=0)
    >>> X.shape, sorted(set(y.tolist()))
    ((10, 2), [0, 1])
    """
    _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    n_outer, n_inner = _split(n_samples, 2)
    outer = np.linspace(0, np.pi, n_outer)
    inner = np.linspace(0, np.pi, n_inner)
    X = np.concatenate(
        [
            np.stack([np.cos(outer), np.sin(outer)], axis=1),
            np.stack([1 - np.cos(inner), 0.5 - np.sin(inner)], axis=1),
        ]
    )
    y = np.repeat([0, 1], [n_outer, n_inner])
    return _finish(rng, X, y, noise)


def make_circles(
    n_samples: int = 100, *, noise: float = 0.0, factor: float = 0.5, seed: int | None = None
) -> Dataset:
    """A large circle (class 0) around a smaller one of radius `factor` (class 1)."""
    _check(n_samples, noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be in (0, 1), got {factor!r}")
    rng = np.random.default_rng(seed)
    n_outer, n_inner = _split(n_samples, 2)
    outer = np.linspace(0, 2 * np.pi, n_outer, endpoint=False)
    inner = np.linspace(0, 2 * np.pi, n_inner, endpoint=False)
    X = np.concatenate(
        [
            np.stack([np.cos(outer), np.sin(outer)], axis=1),
            factor * np.stack([np.cos(inner), np.sin(inner)], axis=1),
        ]
    )
    y = np.repeat([0, 1], [n_outer, n_inner])
    return _finish(rng, X, y, noise)


def make_spirals(
    n_samples: int = 100,
    *,
    n_classes: int = 2,
    noise: float = 0.0,
    turns: float = 1.0,
    seed: int | None = None,
) -> Dataset:
    """`n_classes` interleaved spiral arms in the unit disc, one class per arm."""
    _check(n_samples, noise)
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes!r}")
    rng = np.random.default_rng(seed)
    parts, labels = [], []
    for label, size in enumerate(_split(n_samples, n_classes)):
        radius = np.linspace(0.05, 1.0, size)
        angle = 2 * np.pi * (turns * radius + label / n_classes)
        parts.append(np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1))
        labels.append(np.full(size, label))
    return _finish(rng, np.concatenate(parts), np.concatenate(labels), noise)


def make_blobs(
    n_samples: int = 100,
    *,
    centers: int | np.ndarray = 3,
    n_features: int = 2,
    noise: float = 1.0,
    seed: int | None = None,
) -> Dataset:
    """Gaussian blobs: one class per centre, with standard deviation `noise`.

    Args:
        centers: a number of centres (drawn uniformly in [−10, 10]) or their coordinates.
    """
    _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    if isinstance(centers, (int, np.integer)):
        centers = rng.uniform(-10.0, 10.0, size=(int(centers), n_features))
    centers = np.asarray(centers, dtype=np.float64)
    sizes = _split(n_samples, len(centers))
    X = np.concatenate([np.repeat(c[None, :], size, axis=0) for c, size in zip(centers, sizes)])
    y = np.repeat(np.arange(len(centers)), sizes)
    return _finish(rng, X, y, noise)


def make_xor(n_samples: int = 100, *, noise: float = 0.0, seed: int | None = None) -> Dataset:
    """Points in [−1, 1]²: class 1 where the two coordinates have different signs (XOR).

    Points within 0.1 of an axis are pushed away from it, so the classes stay separable.
    """
    _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    X = np.sign(X) * (0.1 + 0.9 * np.abs(X))
    y = (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(np.int64)
    return _finish(rng, X, y, noise)


def make_regression(
    n_samples: int = 100, *, n_features: int = 1, noise: float = 0.1, seed: int | None = None
) -> Dataset:
    """A smooth non-linear target: y = mean_j sin(π·x_j) + noise·N(0, 1), x uniform in [−1, 1].

    >>> X, y = make_regression(5, seed=0)
    >>> X.shape, y.dtype.name
    ((5, 1), 'float64')
    """
    _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, n_features))
    y = np.sin(np.pi * X).mean(axis=1) + rng.normal(scale=noise, size=n_samples)
    return X.astype(np.float64), y.astype(np.float64)


DATASETS = {
    "moons": make_moons,
    "circles": make_circles,
    "spirals": make_spirals,
    "blobs": make_blobs,
    "xor": make_xor,
    "regression": make_regression,
}
