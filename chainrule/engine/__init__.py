"""The computation: `Value`, `Tensor`, graph walks, gradient checking and the expression parser.

Imports only the standard library and NumPy.
"""

from chainrule.engine.mode import detect_anomaly, enable_grad, no_grad
from chainrule.engine.tensor import Tensor
from chainrule.engine.value import Value, log_softmax, softmax

__all__ = ["Value", "Tensor", "no_grad", "enable_grad", "detect_anomaly", "softmax", "log_softmax"]
