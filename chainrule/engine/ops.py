"""The op table: for every primitive op, its display symbol and local-derivative formula text.

`Value` and `Tensor` compute each op's forward value and local derivatives in one method; this
table is what a reader (the diagrams, `explain`, the step-by-step page) needs to *describe* an
op. Formulas name the operands `a` (first) and `b` (second); `out` is the op's result.
Adding an op is one entry here, one method on `Value`, one on `Tensor`, and one row in the
gradient test table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OpInfo:
    """How to show one op.

    Attributes:
        name: the value of `Value.op` for this op (``"*"``, ``"tanh"`` ...).
        symbol: the symbol drawn on the op's node (``"×"``).
        formulas: the local derivative ∂out/∂operand as text, one per operand.
        text: how the op reads in an expression, with ``{a}``/``{b}`` placeholders.
        scalar: whether `Value` has the op (False for the Tensor-only ops).
    """

    name: str
    symbol: str
    formulas: tuple[str, ...]
    text: str
    scalar: bool = True


OPS: dict[str, OpInfo] = {
    info.name: info
    for info in (
        OpInfo("+", "+", ("1", "1"), "{a} + {b}"),
        OpInfo("-", "−", ("1", "−1"), "{a} − {b}"),
        OpInfo("*", "×", ("b", "a"), "{a}·{b}"),
        OpInfo("/", "÷", ("1/b", "−a/b²"), "{a}/{b}"),
        OpInfo("**", "^", ("b·a^(b−1)", "a^b·ln(a)"), "{a}^{b}"),
        OpInfo("neg", "−", ("−1",), "−{a}"),
        OpInfo("abs", "abs", ("sign(a)",), "|{a}|"),
        OpInfo("exp", "exp", ("exp(a)",), "exp({a})"),
        OpInfo("log", "log", ("1/a",), "log({a})"),
        OpInfo("sqrt", "√", ("1/(2√a)",), "√{a}"),
        OpInfo("relu", "ReLU", ("1 if a > 0 else 0",), "relu({a})"),
        OpInfo("leaky_relu", "LeakyReLU", ("1 if a > 0 else slope",), "leaky_relu({a})"),
        OpInfo("sigmoid", "σ", ("σ(a)·(1 − σ(a))",), "σ({a})"),
        OpInfo("tanh", "tanh", ("1 − tanh²(a)",), "tanh({a})"),
        OpInfo("gelu", "GELU", ("Φ(a) + a·φ(a)",), "gelu({a})"),
        OpInfo("softmax", "softmax", ("s_i·(δ_ij − s_j)",), "softmax({a})"),
        OpInfo("log_softmax", "log_softmax", ("δ_ij − s_j",), "log_softmax({a})"),
        # Tensor-only ops: their formulas are vector-Jacobian products with upstream g.
        OpInfo("matmul", "@", ("g·bᵀ", "aᵀ·g"), "{a} @ {b}", scalar=False),
        OpInfo("sum", "Σ", ("1 (broadcast)",), "sum({a})", scalar=False),
        OpInfo("mean", "mean", ("1/n (broadcast)",), "mean({a})", scalar=False),
        OpInfo("max", "max", ("1 at the maximum (split among ties)",), "max({a})", scalar=False),
        OpInfo("reshape", "reshape", ("reshape back",), "reshape({a})", scalar=False),
        OpInfo("transpose", "ᵀ", ("transpose back",), "{a}ᵀ", scalar=False),
        OpInfo("index", "[ ]", ("scatter into the indexed entries",), "{a}[…]", scalar=False),
        OpInfo(
            "cross_entropy",
            "CE",
            ("(softmax(a) − onehot(y))/n",),
            "cross_entropy({a})",
            scalar=False,
        ),
    )
}


def op_info(name: str) -> OpInfo:
    """Return the table entry for an op name.

    Ops outside the table (a Tensor op such as ``"matmul"``) get a plain entry that shows the
    name itself, so that every node can be drawn.

    >>> op_info("tanh").formulas
    ('1 − tanh²(a)',)
    """
    info = OPS.get(name)
    if info is None:
        return OpInfo(name, name, (), name + "({a})")
    return info
