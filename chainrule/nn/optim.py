"""Optimizers (SGD, RMSProp, Adam, AdamW) and learning-rate schedules, with PyTorch's rules.

Every update is written once in plain arithmetic, as the change Δθ it makes, so it runs
unchanged on a Value's float data and on a Tensor's ndarray; `Optimizer.step` then adds Δθ,
to a Tensor's array in place (as torch.optim: no new parameter array, no copy back). The
formulas, operation order and defaults follow `torch.optim` so that trajectories agree to
rounding error.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from chainrule.nn.module import _is_tensor, zero_grads


def _sqrt(x: Any) -> Any:
    return np.sqrt(x) if isinstance(x, np.ndarray) else math.sqrt(x)


def _zeros_like(x: Any) -> Any:
    return np.zeros_like(x) if isinstance(x, np.ndarray) else 0.0


def _maximum(a: Any, b: Any) -> Any:
    return np.maximum(a, b) if isinstance(a, np.ndarray) else max(a, b)


def _copy(x: Any) -> Any:
    return x.copy() if isinstance(x, np.ndarray) else x


class Optimizer:
    """Holds the parameters and a learning rate `lr` (settable, e.g. by a schedule).

    Args:
        params: Values and/or Tensors (e.g. ``model.parameters()``).
        lr: the learning rate.

    Raises:
        ValueError: for an empty parameter list or a negative learning rate.
    """

    def __init__(self, params: Iterable[Any], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not lr >= 0.0:
            raise ValueError(f"invalid learning rate: {lr}")
        self.lr = float(lr)
        self.state: list[dict[str, Any]] = [{} for _ in self.params]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient (0.0 for a Value, None for a Tensor)."""
        zero_grads(self.params)

    def step(self) -> None:
        """Update every parameter from its gradient; Tensors whose grad is None are skipped.

        θ ← θ·shrink + Δθ, a Tensor's data array updated in place (its gradient is only read).
        """
        shrink = self._shrink()
        for p, state in zip(self.params, self.state):
            grad = p.grad
            if grad is None:
                continue
            if hasattr(grad, "requires_grad"):  # after backward(create_graph=True): its number
                grad = grad.data
            change = self._update(p.data, grad, state)
            if _is_tensor(p):
                data = p.data
                if shrink != 1.0:
                    np.multiply(data, shrink, out=data)
                np.add(data, change, out=data)
            else:
                p.data = float((p.data * shrink if shrink != 1.0 else p.data) + change)

    def _shrink(self) -> float:
        """The factor θ is multiplied by before the change is added (AdamW's decay); 1 for none."""
        return 1.0

    def _update(self, param: Any, grad: Any, state: dict[str, Any]) -> Any:
        """The change Δθ for one parameter, from its value, its gradient and its state."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr:g}, {len(self.params)} parameters)"


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum, Nesterov and weight decay.

    g ← ∇ + λ·θ;  b ← μ·b + (1 − τ)·g (b = g at the first step);  g ← g + μ·b (Nesterov)
    or g ← b;  θ ← θ − lr·g.

    >>> from chainrule import Value
    >>> w = Value(1.0); w.grad = 0.5
    >>> SGD([w], lr=0.1).step(); w.data
    0.95
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if momentum < 0.0 or weight_decay < 0.0:
            raise ValueError("momentum and weight_decay must be non-negative")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        self.momentum, self.dampening = momentum, dampening
        self.nesterov, self.weight_decay = nesterov, weight_decay

    def _update(self, param: Any, grad: Any, state: dict[str, Any]) -> Any:
        if self.weight_decay != 0:
            grad = grad + self.weight_decay * param
        if self.momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = _copy(grad)
            else:
                buffer = buffer * self.momentum + (1 - self.dampening) * grad
            state["momentum_buffer"] = buffer
            grad = grad + self.momentum * buffer if self.nesterov else buffer
        return -self.lr * grad


class RMSProp(Optimizer):
    """RMSProp: divide the gradient by a running root-mean-square of recent gradients.

    v ← α·v + (1 − α)·g²;  θ ← θ − lr·g / (√v + ε) (centered: √(v − ḡ²), with ḡ the running
    mean of g); with momentum, b ← μ·b + g / (√v + ε) and θ ← θ − lr·b.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(params, lr)
        if alpha < 0.0 or eps < 0.0 or momentum < 0.0 or weight_decay < 0.0:
            raise ValueError("alpha, eps, momentum and weight_decay must be non-negative")
        self.alpha, self.eps, self.weight_decay = alpha, eps, weight_decay
        self.momentum, self.centered = momentum, centered

    def _update(self, param: Any, grad: Any, state: dict[str, Any]) -> Any:
        if not state:
            state["square_avg"] = _zeros_like(param)
            state["grad_avg"] = _zeros_like(param)
            state["momentum_buffer"] = _zeros_like(param)
        if self.weight_decay != 0:
            grad = grad + self.weight_decay * param
        square_avg = state["square_avg"] * self.alpha + (1 - self.alpha) * grad * grad
        state["square_avg"] = square_avg
        if self.centered:
            grad_avg = state["grad_avg"]
            grad_avg = grad_avg + (1 - self.alpha) * (grad - grad_avg)
            state["grad_avg"] = grad_avg
            average = _sqrt(square_avg + -1 * grad_avg * grad_avg)
        else:
            average = _sqrt(square_avg)
        average = average + self.eps
        if self.momentum > 0:
            buffer = state["momentum_buffer"] * self.momentum + grad / average
            state["momentum_buffer"] = buffer
            return -self.lr * buffer
        return -self.lr * (grad / average)


RMSprop = RMSProp  # PyTorch's spelling


class Adam(Optimizer):
    """Adam: momentum on the gradient and on its square, with bias correction.

    m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  t ← t + 1;
    θ ← θ − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)  (amsgrad: v replaced by max v so far).
    weight_decay adds λ·θ to g (L2), as torch.optim.Adam.
    """

    decoupled_weight_decay = False

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr)
        beta1, beta2 = betas
        if not (0.0 <= beta1 < 1.0 and 0.0 <= beta2 < 1.0):
            raise ValueError(f"betas must be in [0, 1), got {betas}")
        if eps < 0.0 or weight_decay < 0.0:
            raise ValueError("eps and weight_decay must be non-negative")
        self.betas, self.eps = (beta1, beta2), eps
        self.weight_decay, self.amsgrad = weight_decay, amsgrad

    def _shrink(self) -> float:
        if self.decoupled_weight_decay and self.weight_decay != 0:
            return 1 - self.lr * self.weight_decay  # AdamW: shrink θ directly, not through g
        return 1.0

    def _update(self, param: Any, grad: Any, state: dict[str, Any]) -> Any:
        if not state:
            state.update(step=0, exp_avg=_zeros_like(param), exp_avg_sq=_zeros_like(param))
            state["max_exp_avg_sq"] = _zeros_like(param)
        beta1, beta2 = self.betas
        if self.weight_decay != 0 and not self.decoupled_weight_decay:
            grad = grad + self.weight_decay * param  # L2; AdamW shrinks θ instead (`_shrink`)
        exp_avg = state["exp_avg"]
        exp_avg = exp_avg + (1 - beta1) * (grad - exp_avg)  # torch's lerp
        exp_avg_sq = state["exp_avg_sq"] * beta2 + (1 - beta2) * grad * grad
        state["exp_avg"], state["exp_avg_sq"] = exp_avg, exp_avg_sq
        state["step"] = step = state["step"] + 1
        step_size = self.lr / (1 - beta1**step)
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        if self.amsgrad:
            exp_avg_sq = _maximum(state["max_exp_avg_sq"], exp_avg_sq)
            state["max_exp_avg_sq"] = exp_avg_sq
        denominator = _sqrt(exp_avg_sq) / bias_correction2_sqrt + self.eps
        return -step_size * (exp_avg / denominator)


class AdamW(Adam):
    """Adam with decoupled weight decay: θ ← θ·(1 − lr·λ) before the Adam step."""

    decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "rmsprop": RMSProp,
    "adam": Adam,
    "adamw": AdamW,
}


# The schedules live in their own module (a separate idea); re-exported here, where PyTorch has
# them (torch.optim.lr_scheduler) and where DESIGN.md lists them.
from chainrule.nn.schedules import (  # noqa: E402
    SCHEDULES,
    CosineAnnealingLR,
    ExponentialLR,
    LRScheduler,
    StepLR,
)

__all__ = [
    "Optimizer",
    "SGD",
    "RMSProp",
    "RMSprop",
    "Adam",
    "AdamW",
    "OPTIMIZERS",
    "LRScheduler",
    "StepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "SCHEDULES",
]
