"""Graphs of chainrule.nn models and of Tensors: clusters, collapsed neurons, array summaries."""

from __future__ import annotations

import re

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.nn import MLP
from chainrule.viz import draw


def mlp_loss(model: MLP) -> object:
    out = model([0.5, -1.0])
    return (out - 1.0) ** 2


def test_nn_mlp_graph_is_clustered_by_layer_and_neuron():
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    loss = mlp_loss(model)
    loss.backward()
    source = draw(loss).source
    assert len(re.findall(r'subgraph "cluster_layers\.\d+" \{', source)) == 2
    assert len(re.findall(r'subgraph "cluster_layers\.\d+\.neurons\.\d+" \{', source)) == 4
    for name, _ in model.named_parameters():
        assert f'tooltip="{name}"' in source
    assert "<B>x0</B>" in source and "<B>w₁</B>" in source


def test_nn_mlp_collapsed_stays_small():
    model = MLP(2, [16, 16, 1], seed=0)
    loss = mlp_loss(model)
    loss.backward()
    diagram = draw(loss, collapse="neuron")
    assert len(re.findall(r"<B>neuron \d+</B>", diagram.source)) == 33
    assert diagram.node_count < 50
    svg = diagram.pipe("svg")
    assert svg.count(b'class="node"') == diagram.node_count


def test_tensor_graph_shows_shapes_and_summaries():
    weights = Tensor(np.linspace(-1.3, 2.0, 20).reshape(2, 10), requires_grad=True, label="W")
    inputs = Tensor(np.ones((256, 2)), label="X")
    loss = (inputs @ weights).tanh().mean()
    source = draw(loss).source
    assert "data (2, 10) mean 0.35 [−1.3, 2]" in source
    assert "data (256, 2) mean 1 [1, 1]" in source
    assert "grad —" in source  # Tensor grads are None before backward
    loss.backward()
    source = draw(loss, edge_labels=True).source
    assert re.search(r"grad \(2, 10\) mean \S+ \[", source)
    assert "tanh" in source and "mean" in source
