"""The public names of chainrule.nn, and its dependency direction (engine only)."""

from __future__ import annotations

import subprocess
import sys

import chainrule.nn as nn

PUBLIC = """Module Neuron Layer MLP relu leaky_relu sigmoid tanh gelu softmax linear get_activation
mse mae bce bce_with_logits cross_entropy hinge SGD RMSProp RMSprop Adam AdamW StepLR
ExponentialLR CosineAnnealingLR fit save load data to_torch from_torch""".split()


def test_public_names_are_exported():
    assert [name for name in PUBLIC if not hasattr(nn, name)] == []
    assert set(PUBLIC) <= set(nn.__all__)
    assert callable(nn.data.make_moons) and callable(nn.data.make_regression)


def test_nn_never_imports_viz_click_or_graphviz():
    code = (
        "import sys, chainrule.nn; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('click', 'graphviz') "
        "or m.startswith('chainrule.viz')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
