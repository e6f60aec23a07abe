"""The safe expression parser: arithmetic text such as ``(θ1*θ2*x - y)**2`` → a Value graph.

`parse` builds the graph (`parse.py`), against a whitelist derived from the op records
(`whitelist.py`), after the checks on the text itself: size and nesting limits, syntax
errors and the columns messages point at (`source.py`). Nothing is ever evaluated by Python.
"""

from chainrule.engine.expr.parse import MissingValuesError, names, parse
from chainrule.engine.expr.source import MAX_DEPTH, MAX_LENGTH
from chainrule.engine.expr.whitelist import FUNCTIONS, MAX_NODES, OPERATORS

__all__ = [
    "parse",
    "names",
    "MissingValuesError",
    "FUNCTIONS",
    "OPERATORS",
    "MAX_LENGTH",
    "MAX_DEPTH",
    "MAX_NODES",
]
