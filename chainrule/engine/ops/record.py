"""The shape of an op record: everything the engine, the parser and the diagrams know of one op."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

# How tightly an op binds when its expression is written out (viz parenthesises an operand
# only where it binds less tightly than its place needs).
ADDITIVE, MULTIPLICATIVE, PREFIX, POWER, CALL, ATOM = 1, 2, 3, 4, 8, 9


@dataclass(frozen=True, kw_only=True, slots=True)
class Op:
    """One primitive op, in one place.

    Attributes:
        name: the value of ``Value.op`` / ``Tensor.op`` (``"*"``, ``"tanh"``), and the name of
            its method on Value and Tensor for the ops called by name.
        symbol: what is drawn on the op's node (``"×"``).
        text: how the op reads in an expression, ``{a}``/``{b}`` standing for the operands
            (``"{a}·{b}"``, ``"tanh({a})"``).
        precedence: how tightly `text` binds: `ADDITIVE`, `MULTIPLICATIVE`, `PREFIX`, `POWER`
            or `CALL` (`ATOM` is a name's, tighter than any op's).
        formulas: the local derivative ∂out/∂operand as text, one per operand, in terms of
            ``a``, ``b`` (the operands) and the op's options (``slope``); for an array-only op,
            its vector-Jacobian product with the upstream gradient ``g``.
        arity: the number of operands; None for an op over a list of any length.
        scalar: the rule on floats: ``scalar(a, [b,] *options) -> (value, local derivatives)``,
            the derivatives a tuple with one float per operand. For an op over a list,
            ``scalar(data) -> [(value, local derivatives), ...]``, one pair per output.
            None for an op `Value` does not have.
        forward: the rule on arrays: ``forward(a, [b,] *options) -> (data, saved)``, `saved`
            being whatever `vjp` needs that the graph does not hold (an axis, a slope).
            None for an op `Tensor` does not have.
        vjp: the vector-Jacobian product: ``vjp(node, g)`` takes the output Tensor (its
            ``data``, ``children`` and the forward's `saved`, as ``node._saved``) and
            g = ∂L/∂out, and returns ∂L/∂operand for each operand (None for an operand that
            needs no gradient). It never writes into `g`, a saved array or an operand.
        parser: how expressions may use the op: ``"call"`` (``tanh(x)``), ``"operator"``
            (``x + y``, ``-x``), or None (not at all).
        options: the names of the op's options after its operands, which the parser accepts
            as extra arguments or keywords (``leaky_relu(x, slope=0.1)``).
        local_ops: the local derivatives built from ops, for ``create_graph=True``:
            ``local_ops(node)`` takes the output Value and returns, per operand, a Value
            whose graph leads back to the operands (``1 − out·out`` for tanh), a float for a
            constant derivative, or None for a constant 0 (nothing flows along that edge,
            not even a nan from above). The same float arithmetic as `scalar`, in the same
            order, so both paths give the same first derivatives.
        vjp_ops: the vector-Jacobian product built from Tensor ops, for ``create_graph=True``:
            ``vjp_ops(node, g)`` with g a Tensor; the formulas of `vjp`, as Tensors whose
            graph leads back to the operands.
        parenthesize_ties: the positions of the operands that keep their parentheses when
            they bind exactly as tightly as the op: the right one of ``a − (b − c)`` and
            ``a/(b/c)``, both of ``(a^b)^c`` and ``a^(b^c)``.

    Every field has a name and fields are given by keyword, so a new field is added with a
    default and then filled in record by record.
    """

    name: str
    symbol: str
    text: str
    precedence: int
    formulas: tuple[str, ...]
    arity: int | None = 1
    scalar: Callable[..., Any] | None = None
    forward: Callable[..., tuple[Any, Any]] | None = None
    vjp: Callable[[Any, Any], tuple[Any, ...]] | None = None
    parser: Literal["call", "operator"] | None = None
    options: tuple[str, ...] = ()
    parenthesize_ties: tuple[int, ...] = ()
    local_ops: Callable[[Any], tuple[Any, ...]] | None = None
    vjp_ops: Callable[[Any, Any], tuple[Any, ...]] | None = None


def constant_locals(node: Any) -> tuple[float | None, ...]:
    """`local_ops` of an op whose derivatives are piecewise constant (+, −, relu, |a|): the
    stored floats, with 0 as None."""
    return tuple(None if local == 0 else local for local in node.local_grads)


def elementwise_vjp_ops(local_ops: Callable[[Any], tuple[Any, ...]]) -> Callable[..., tuple]:
    """`vjp_ops` of a one-operand elementwise op from its `local_ops`: g times the local
    derivative, built from the same ops (d sin(a)/da = cos(a) gives g·cos(a))."""

    def vjp_ops(node: Any, g: Any) -> tuple:
        return (g * local_ops(node)[0],)

    return vjp_ops
