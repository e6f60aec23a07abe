"""The array rules' product g · local, where a zero local derivative stops what comes from above.

The scalar backward loop skips an edge whose local derivative is 0 (`backward._run`), so a
nan or inf gradient from above does not become 0 · inf = nan below relu at a ≤ 0, a^0, or a
factor 0; the array rules use `stop_at_zero` for the same numbers on both paths.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def stop_at_zero(g: np.ndarray, local: Any) -> np.ndarray:
    """``g · local``, with 0 wherever `local` is 0 (even where `g` is nan or inf).

    >>> stop_at_zero(np.array([np.nan, np.inf, 2.0]), np.array([0.0, 0.0, 3.0])).tolist()
    [0.0, 0.0, 6.0]
    """
    with np.errstate(invalid="ignore"):  # inf · 0 is nan, replaced just below
        product = g * local
    zero = np.equal(local, 0)
    if zero.any():
        product = np.where(zero, 0.0, product).astype(product.dtype, copy=False)
    return product
