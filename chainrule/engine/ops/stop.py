"""The array rules' product g · local, where a zero local derivative stops what comes from above.

The scalar backward loop skips an edge whose local derivative is 0 (`backward._run`), so a
nan or inf gradient from above does not become 0 · inf = nan below relu at a ≤ 0, a^0, or a
factor 0; the array rules use `stop_at_zero` for the same numbers on both paths.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_UNSIGNED = {4: np.uint32, 8: np.uint64}  # an integer type of each float width


def zero_where(g: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`g` with +0 wherever `mask` is True: ``np.where(mask, 0.0, g)`` in g's dtype, bit for bit.

    Computed as g's bits AND all-ones (keep) or all-zeros (+0): NumPy's `where` on float32
    takes ~7× as long as a product, and relu's backward runs this on every hidden layer.

    >>> zero_where(np.array([np.nan, -2.0, 3.0]), np.array([True, True, False])).tolist()
    [0.0, 0.0, 3.0]
    """
    unsigned = _UNSIGNED.get(g.dtype.itemsize) if g.dtype.kind == "f" else None
    if unsigned is None:
        return np.where(mask, 0.0, g).astype(g.dtype, copy=False)
    keep = np.negative(np.logical_not(mask), dtype=unsigned)  # True → all ones, False → 0
    return np.bitwise_and(g.view(unsigned), keep).view(g.dtype)


def stop_at_zero(g: np.ndarray, local: Any) -> np.ndarray:
    """``g · local``, with 0 wherever `local` is 0 (even where `g` is nan or inf).

    >>> stop_at_zero(np.array([np.nan, np.inf, 2.0]), np.array([0.0, 0.0, 3.0])).tolist()
    [0.0, 0.0, 6.0]
    """
    with np.errstate(invalid="ignore"):  # inf · 0 is nan, replaced just below
        product = g * local
    zero = np.equal(local, 0)
    if zero.any():
        product = zero_where(product, zero)
    return product
