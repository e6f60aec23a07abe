"""The computation: `Value`, `Tensor`, graph walks, gradient checking and the expression parser.

Imports only the standard library and NumPy.
"""

from chainrule.engine.mode import detect_anomaly, enable_grad, no_grad
from chainrule.engine.tensor import Tensor
from chainrule.engine.value import Value, log_softmax, softmax
from chainrule.engine.value import dot as dot  # exported (`as`), but not in __all__:
from chainrule.engine.value import sum as sum  # a star import must not shadow Python's sum

__all__ = ["Value", "Tensor", "no_grad", "enable_grad", "detect_anomaly", "softmax", "log_softmax"]
