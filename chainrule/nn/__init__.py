"""Neural networks on the engine: perceptrons to MLPs, with losses, optimizers and training.

>>> from chainrule import nn
>>> nn.MLP(2, [16, 16, 1], seed=0)
MLP(2 → 16 relu → 16 relu → 1)
"""

from chainrule.nn import data
from chainrule.nn.activations import (
    gelu,
    get_activation,
    leaky_relu,
    linear,
    relu,
    sigmoid,
    softmax,
    tanh,
)
from chainrule.nn.layers import MLP, Layer, Neuron
from chainrule.nn.losses import bce, bce_with_logits, cross_entropy, get_loss, hinge, mae, mse
from chainrule.nn.module import Module
from chainrule.nn.optim import SGD, Adam, AdamW, Optimizer, RMSProp, RMSprop
from chainrule.nn.schedules import CosineAnnealingLR, ExponentialLR, LRScheduler, StepLR
from chainrule.nn.serialize import load, register_model, save
from chainrule.nn.torch import from_torch, to_torch
from chainrule.nn.train import EpochRecord, History, fit

__all__ = [
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "relu",
    "leaky_relu",
    "sigmoid",
    "tanh",
    "gelu",
    "softmax",
    "linear",
    "get_activation",
    "mse",
    "mae",
    "bce",
    "bce_with_logits",
    "cross_entropy",
    "hinge",
    "get_loss",
    "Optimizer",
    "SGD",
    "RMSProp",
    "RMSprop",
    "Adam",
    "AdamW",
    "LRScheduler",
    "StepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "fit",
    "History",
    "EpochRecord",
    "save",
    "load",
    "register_model",
    "data",
    "to_torch",
    "from_torch",
]
