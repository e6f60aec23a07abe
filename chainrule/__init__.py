"""chainrule: a scalar autograd engine that draws its own chain rule."""

from chainrule.engine import (
    Tensor,
    Value,
    detect_anomaly,
    enable_grad,
    log_softmax,
    no_grad,
    softmax,
)
from chainrule.engine import dot as dot  # exported (`as`), but not in __all__:
from chainrule.engine import sum as sum  # a star import must not shadow Python's sum
from chainrule.engine.expr import parse
from chainrule.engine.gradcheck import (
    GradcheckError,
    GradcheckRow,
    gradcheck,
    gradcheck_report,
    gradgradcheck,
)
from chainrule.engine.higher import grad

__version__ = "0.1.0"

__all__ = [
    "Value",
    "Tensor",
    "no_grad",
    "enable_grad",
    "detect_anomaly",
    "softmax",
    "log_softmax",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
    "gradcheck_report",
    "GradcheckRow",
    "parse",
    "__version__",
]
