"""Learning-rate schedules with PyTorch's recursive formulas: StepLR, ExponentialLR, cosine."""

from __future__ import annotations

import math
from typing import Protocol


class Optimizer(Protocol):
    """What a schedule needs of an optimizer: the learning rate it reads and sets (a protocol,
    so that this module does not import `chainrule.nn.optim`, which re-exports it)."""

    lr: float


class LRScheduler:
    """Base of the learning-rate schedules: `step()` once per epoch sets `optimizer.lr`.

    As in PyTorch, the schedules are recursive (each step scales the current rate), so
    they compose with other changes to `lr`; `get_last_lr()` returns a one-element list.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0
        self._last_lr = [optimizer.lr]

    def step(self) -> None:
        """Advance one epoch and set the optimizer's learning rate."""
        self.last_epoch += 1
        self.optimizer.lr = self._next_lr(self.optimizer.lr)
        self._last_lr = [self.optimizer.lr]

    def get_last_lr(self) -> list[float]:
        """The learning rate set by the last `step` (or the initial one), as PyTorch: a list."""
        return list(self._last_lr)

    def _next_lr(self, lr: float) -> float:
        raise NotImplementedError


class StepLR(LRScheduler):
    """Multiply the learning rate by `gamma` every `step_size` epochs: lr₀·γ^⌊t/step_size⌋.

    >>> from chainrule import Value
    >>> from chainrule.nn.optim import SGD
    >>> schedule = StepLR(SGD([Value(0.0)], lr=1.0), step_size=2, gamma=0.5)
    >>> [(schedule.step(), schedule.get_last_lr()[0])[1] for _ in range(4)]
    [1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        if not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"step_size must be a positive int, got {step_size!r}")
        super().__init__(optimizer)
        self.step_size, self.gamma = step_size, gamma

    def _next_lr(self, lr: float) -> float:
        return lr * self.gamma if self.last_epoch % self.step_size == 0 else lr


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by `gamma` every epoch: lr₀·γᵗ."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        super().__init__(optimizer)
        self.gamma = gamma

    def _next_lr(self, lr: float) -> float:
        return lr * self.gamma


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing: η_min + (lr₀ − η_min)·(1 + cos(π·t / T_max)) / 2.

    Computed with PyTorch's recursive form,
    η_t = η_min + (η_{t−1} − η_min)·(1 + cos(πt/T)) / (1 + cos(π(t−1)/T)),
    which past T_max rises again (a period of 2·T_max).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        if T_max <= 0:
            raise ValueError(f"T_max must be positive, got {T_max!r}")
        super().__init__(optimizer)
        self.T_max, self.eta_min = T_max, eta_min

    def _next_lr(self, lr: float) -> float:
        t, period, eta_min = self.last_epoch, self.T_max, self.eta_min
        if (t - 1 - period) % (2 * period) == 0:  # the trough, where the ratio would be 0/0
            return lr + (self.base_lr - eta_min) * (1 - math.cos(math.pi / period)) / 2
        ratio = (1 + math.cos(math.pi * t / period)) / (1 + math.cos(math.pi * (t - 1) / period))
        return ratio * (lr - eta_min) + eta_min


SCHEDULES: dict[str, type[LRScheduler]] = {
    "step": StepLR,
    "exponential": ExponentialLR,
    "cosine": CosineAnnealingLR,
}
