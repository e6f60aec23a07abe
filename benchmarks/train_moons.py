"""Seconds per training step on the scalar path, chainrule next to micrograd, on the same problem.

The problem is micrograd's demo: a 2-16-16-1 ReLU MLP, hinge loss plus L2 (α = 1e-4 · Σp²),
100 points of make_moons(noise=0.1), plain SGD with learning rate 1 − 0.9·k/100. Both
libraries start from the same weights and see the same data; the script checks that their
losses agree before it reports any time.

Run: ``python benchmarks/train_moons.py [--steps N] [--micrograd-steps M]``.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

from chainrule.nn import MLP, SGD, hinge
from chainrule.nn.data import make_moons

ALPHA = 1e-4


def chainrule_step(model, optimizer, X, y, k):
    """One step with chainrule's public API: forward per sample, hinge + L2, backward, SGD."""
    scores = [model(row) for row in X]
    parameters = optimizer.params
    penalty = parameters[0] * parameters[0]
    for p in parameters[1:]:
        penalty = penalty + p * p
    loss = hinge(scores, y) + ALPHA * penalty
    optimizer.zero_grad()
    loss.backward()
    optimizer.lr = 1.0 - 0.9 * k / 100
    optimizer.step()
    return loss.data


def micrograd_step(model, X, y, k):
    """The same step as micrograd's demo notebook writes it."""
    scores = [model(row) for row in X]
    losses = [(1 + -yi * score).relu() for yi, score in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    loss = data_loss + reg_loss
    model.zero_grad()
    loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return loss.data


def timed(step, count):
    """Per-step seconds and the losses, for `count` steps."""
    seconds, losses = [], []
    for k in range(count):
        start = time.perf_counter()
        losses.append(step(k))
        seconds.append(time.perf_counter() - start)
    return seconds, losses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="chainrule steps to time")
    parser.add_argument("--micrograd-steps", type=int, default=5, help="micrograd steps to time")
    args = parser.parse_args()
    from micrograd import nn as micrograd_nn  # the `bench` extra

    X, labels = make_moons(100, noise=0.1, seed=1)
    X, y = X.tolist(), (2 * labels - 1).tolist()
    model = MLP(2, [16, 16, 1], activation="relu", seed=0)
    reference = micrograd_nn.MLP(2, [16, 16, 1])
    for ours, theirs in zip(model.parameters(), reference.parameters(), strict=True):
        theirs.data = ours.data  # same order: per neuron its weights, then its bias
    optimizer = SGD(model.parameters(), lr=1.0)

    steps = max(args.steps, args.micrograd_steps)
    micrograd_seconds, micrograd_losses = timed(
        lambda k: micrograd_step(reference, X, y, k), args.micrograd_steps
    )
    ours_seconds, ours_losses = timed(lambda k: chainrule_step(model, optimizer, X, y, k), steps)
    for k, (a, b) in enumerate(zip(ours_losses, micrograd_losses)):
        if abs(a - b) > 1e-9 * max(1.0, abs(b)):
            raise SystemExit(f"step {k}: losses differ, chainrule {a!r} vs micrograd {b!r}")

    # fit() pauses the cycle collector while a graph is built (chainrule graphs have no
    # reference cycles); time that too, from the same weights, for the same steps.
    gc.disable()
    try:
        paused_seconds, _ = timed(lambda k: chainrule_step(model, optimizer, X, y, k), steps)
    finally:
        gc.enable()

    micrograd_median = statistics.median(micrograd_seconds)
    rows = [
        ("micrograd 0.1.0", micrograd_median),
        ("chainrule", statistics.median(ours_seconds)),
        ("chainrule, collector paused (as fit)", statistics.median(paused_seconds)),
    ]
    print("2-16-16-1 ReLU MLP, hinge + L2, 100 moons, SGD; median seconds per step")
    print(f"losses agree for {len(micrograd_losses)} steps (last {ours_losses[-1]:.6f})")
    for name, seconds in rows:
        ratio = micrograd_median / seconds
        print(f"{name:40s} {seconds:8.4f} s/step   {ratio:5.1f}x micrograd")


if __name__ == "__main__":
    main()
