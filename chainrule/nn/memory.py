"""How much memory an MLP needs, estimated from its sizes, so that what cannot fit is refused
before it is built instead of after minutes of swapping.

The figures are measured (peak resident memory of `fit` with Adam, CPython 3.11, NumPy
float64) and rounded up:

- a scalar MLP keeps one `Value` per weight (about 360 bytes with its label) and, while a
  step runs, one forward and backward graph per sample (about 500 bytes per weight and
  sample: a product and a sum node for every weight);
- a batched MLP keeps a few float64 arrays per weight (the weight, its gradient, the
  optimizer's moments and temporaries: about 80 bytes per weight) and, per sample of a
  step, a few arrays of activations (about 80 bytes per unit).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path

from chainrule.nn.layers import mlp_parameter_count

SCALAR_BYTES_PER_WEIGHT = 400
SCALAR_GRAPH_BYTES_PER_WEIGHT = 520
BATCHED_BYTES_PER_WEIGHT = 80
BATCHED_BYTES_PER_UNIT = 80


def mlp_bytes(nin: int, nouts: Sequence[int], *, batched: bool, samples: int = 1) -> int:
    """An estimate of the memory an MLP and one step on `samples` samples at once need.

    Args:
        nin: inputs of the MLP.
        nouts: its layer sizes.
        batched: the NumPy MLP (`chainrule.nn.batched.MLP`) rather than the scalar one.
        samples: how many samples one forward and backward pass holds at once (the batch).

    Returns:
        Bytes, rounded up from measurements (see the module's docstring).

    >>> mlp_bytes(2, [16, 16, 1], batched=False, samples=200) < 50_000_000
    True
    >>> mlp_bytes(2, [2000, 2000, 1], batched=False) > 3_000_000_000  # 4 million Values
    True
    """
    weights = mlp_parameter_count(nin, nouts)
    if batched:
        units = nin + sum(nouts)
        return BATCHED_BYTES_PER_WEIGHT * weights + BATCHED_BYTES_PER_UNIT * units * samples
    return (SCALAR_BYTES_PER_WEIGHT + SCALAR_GRAPH_BYTES_PER_WEIGHT * samples) * weights


def available_memory() -> int | None:
    """Bytes this process can still allocate: the system's available memory, or what is left
    under a cgroup (container) limit if that is less; None where neither can be read."""
    limits = []
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                limits.append(int(line.split()[1]) * 1024)
    with contextlib.suppress(OSError, ValueError):
        cgroup = Path("/sys/fs/cgroup")
        limit = (cgroup / "memory.max").read_text().strip()
        if limit != "max":
            limits.append(int(limit) - int((cgroup / "memory.current").read_text()))
    if not limits and hasattr(os, "sysconf"):
        with contextlib.suppress(OSError, ValueError):
            limits.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    return min(limits) if limits else None


def check_fits(needed: int, what: str, advice: str) -> None:
    """Refuse work that needs more memory than is available.

    Args:
        needed: the estimate in bytes (e.g. from `mlp_bytes`).
        what: the work, for the message (``"training a scalar MLP 2 → 2000 → 2000 → 1"``).
        advice: what to do instead.

    Raises:
        ValueError: when `needed` exceeds `available_memory()`, with both figures.
    """
    available = available_memory()
    if available is not None and needed > available:
        raise ValueError(
            f"{what} needs about {_size(needed)} of memory, more than the {_size(available)} "
            f"available: {advice}"
        )


def _size(count: int) -> str:
    """Bytes for people: ``3.1 GB``, ``420 MB``."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if count >= scale:
            return f"{count / scale:.3g} {unit}"
    return f"{count / 1e3:.3g} kB"
