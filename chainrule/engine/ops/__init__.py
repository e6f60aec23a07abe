"""The engine's ops: one record per op, everything about it in one place, grouped by kind.

A record (`Op`) holds an op's name, its display symbol, precedence and expression text, the
local-derivative formula text per operand, its scalar rule (value and local derivatives, for
`Value`), its array rule and vector-Jacobian product (for `Tensor`), and whether the
expression parser accepts it. Everything else that lists ops is derived from `OPS`: the
parser's whitelist, the CLI's list of functions, viz's formulas and precedence, the Tensor
gradient table and the tests' op table.

Adding an op (``softplus`` was added this way):

1. one record, in the module of its kind (`arithmetic`, `elementwise`, `activations`,
   `softmax`, `reductions`), appended to that module's ``RECORDS``;
2. one line on `Value` (``def softplus(self) -> Value: return _unary(SOFTPLUS, self)``);
3. one line on `Tensor` (the same, over the array rule);
4. one row in the tests' op table (``tests/engine/op_cases.py``), with its closed forms.

Nothing in the parser, the CLI or the diagrams changes: with ``parser="call"`` the op is in
the expression language, the CLI help and the diagrams at once.
"""

from __future__ import annotations

from chainrule.engine.ops import activations, arithmetic, elementwise, reductions, softmax
from chainrule.engine.ops.activations import (
    GELU,
    LEAKY_RELU,
    NORMAL_CDF,
    RELU,
    SIGMOID,
    SOFTPLUS,
    TANH,
)
from chainrule.engine.ops.arithmetic import ADD, DIV, MATMUL, MUL, NEG, POW, SUB
from chainrule.engine.ops.elementwise import ABS, COS, EXP, LOG, MASK, SIN, SQRT
from chainrule.engine.ops.record import ADDITIVE, ATOM, CALL, MULTIPLICATIVE, POWER, PREFIX, Op
from chainrule.engine.ops.reductions import (
    DOT,
    INDEX,
    MAX,
    MEAN,
    RESHAPE,
    SCATTER,
    SUM,
    TRANSPOSE,
)
from chainrule.engine.ops.softmax import CROSS_ENTROPY, LOG_SOFTMAX, SOFTMAX

__all__ = [
    "Op",
    "OPS",
    "op_info",
    "ADDITIVE",
    "MULTIPLICATIVE",
    "PREFIX",
    "POWER",
    "CALL",
    "ATOM",
    "ADD",
    "SUB",
    "MUL",
    "DIV",
    "POW",
    "NEG",
    "MATMUL",
    "ABS",
    "EXP",
    "LOG",
    "SQRT",
    "SIN",
    "COS",
    "RELU",
    "LEAKY_RELU",
    "SIGMOID",
    "TANH",
    "GELU",
    "SOFTPLUS",
    "NORMAL_CDF",
    "MASK",
    "SCATTER",
    "SOFTMAX",
    "LOG_SOFTMAX",
    "CROSS_ENTROPY",
    "SUM",
    "DOT",
    "MEAN",
    "MAX",
    "RESHAPE",
    "TRANSPOSE",
    "INDEX",
]

#: Every op by name (``Value.op`` / ``Tensor.op``), in the order of the kinds above.
OPS: dict[str, Op] = {
    op.name: op
    for module in (arithmetic, elementwise, activations, softmax, reductions)
    for op in module.RECORDS
}


def op_info(name: str) -> Op:
    """Return the record of an op name.

    Ops outside the table get a plain record that shows the name itself, so that every
    node can be drawn.

    >>> op_info("tanh").formulas
    ('1 − tanh²(a)',)
    """
    info = OPS.get(name)
    if info is None:
        return Op(name=name, symbol=name, text=name + "({a})", precedence=CALL, formulas=())
    return info
