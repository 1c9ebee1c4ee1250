"""Exact affine sizes ``a*k + b`` for the valid-input analysis (a fast path).

Within one residue class of the input (``H = P*k + r``) every size is affine in the
integer ``k >= 0``: ``floor((a*k + b)/s) = (a/s)*k + floor(b/s)`` whenever ``s``
divides ``a``, which the choice of ``P`` (the product of the strides) guarantees.
``Lin`` carries such sizes with integer coefficients, so the analysis runs on plain
integer arithmetic instead of sympy; anything that is not affine raises
``NotAffine`` and the analysis falls back to sympy for that residue.

Comparisons give ``bool`` when decided and a ``LinCond`` (``a*k + b >= 0`` or
``== 0``) when they depend on ``k``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class NotAffine(Exception):
    """The value is not affine in ``k`` (or a decision depends on ``k``)."""


def _const(x: Any) -> int | None:
    if isinstance(x, bool):
        return None
    if isinstance(x, int):
        return x
    if isinstance(x, Lin) and x.a == 0:
        return x.b
    return None


@dataclass(frozen=True)
class LinCond:
    """``lin >= 0`` (``op == ">="``) or ``lin == 0`` (``op == "=="``)."""

    lin: Lin
    op: str

    def __bool__(self) -> bool:
        raise NotAffine(f"undecided condition {self}")

    def __or__(self, other: Any) -> Any:
        if other is True:
            return True
        if other is False:
            return self
        raise NotAffine("a disjunction of conditions on k")

    __ror__ = __or__

    def __and__(self, other: Any) -> Any:
        if other is True:
            return self
        if other is False:
            return False
        raise NotAffine("a conjunction of conditions on k")

    __rand__ = __and__

    def __str__(self) -> str:
        return f"{self.lin} {self.op} 0"


@dataclass(frozen=True, eq=False)
class Lin:
    """``a*k + b`` with integers ``a`` and ``b``."""

    a: int
    b: int

    __hash__ = None  # type: ignore[assignment]

    @staticmethod
    def of(x: Any) -> Lin:
        if isinstance(x, Lin):
            return x
        if isinstance(x, int) and not isinstance(x, bool):
            return Lin(0, x)
        raise NotAffine(f"{x!r} is not an integer")

    def _norm(self) -> Lin | int:
        return self.b if self.a == 0 else self

    def __add__(self, other: Any) -> Any:
        o = Lin.of(other)
        return Lin(self.a + o.a, self.b + o.b)._norm()

    __radd__ = __add__

    def __neg__(self) -> Any:
        return Lin(-self.a, -self.b)._norm()

    def __sub__(self, other: Any) -> Any:
        o = Lin.of(other)
        return Lin(self.a - o.a, self.b - o.b)._norm()

    def __rsub__(self, other: Any) -> Any:
        return Lin.of(other) - self

    def __mul__(self, other: Any) -> Any:
        c = _const(other)
        if c is None:
            raise NotAffine("a product of two sizes")
        return Lin(self.a * c, self.b * c)._norm()

    __rmul__ = __mul__

    def floordiv(self, s: Any) -> Any:
        c = _const(s)
        if c is None or c <= 0 or self.a % c:
            raise NotAffine(f"floor of ({self})/{s}")
        return Lin(self.a // c, self.b // c)._norm()

    def ceildiv(self, s: Any) -> Any:
        c = _const(s)
        if c is None or c <= 0 or self.a % c:
            raise NotAffine(f"ceiling of ({self})/{s}")
        return Lin(self.a // c, -(-self.b // c))._norm()

    __floordiv__ = floordiv

    def __mod__(self, s: Any) -> Any:
        c = _const(s)
        if c is None or c <= 0 or self.a % c:
            raise NotAffine(f"({self}) mod {s}")
        return self.b % c

    def __truediv__(self, other: Any) -> Any:
        raise NotAffine("true division of a size")

    def _cmp(self, other: Any, op: str) -> Any:
        try:
            diff = self - other
        except NotAffine:
            return NotImplemented
        if isinstance(diff, int):
            return {
                ">=": diff >= 0,
                ">": diff > 0,
                "<=": diff <= 0,
                "<": diff < 0,
                "==": diff == 0,
                "!=": diff != 0,
            }[op]
        if op == ">=":
            return LinCond(diff, ">=")
        if op == ">":
            return LinCond(diff - 1, ">=")
        if op == "<=":
            return LinCond(-diff, ">=")
        if op == "<":
            return LinCond(-diff - 1, ">=")
        if op == "==":
            return LinCond(diff, "==")
        raise NotAffine("a size that differs from another for some k only")

    def __ge__(self, other: Any) -> Any:
        return self._cmp(other, ">=")

    def __gt__(self, other: Any) -> Any:
        return self._cmp(other, ">")

    def __le__(self, other: Any) -> Any:
        return self._cmp(other, "<=")

    def __lt__(self, other: Any) -> Any:
        return self._cmp(other, "<")

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        if other is None or isinstance(other, str | bool | float):
            return False
        return self._cmp(other, "==")

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        result = self.__eq__(other)
        if isinstance(result, bool):
            return not result
        raise NotAffine("a size that differs from another for some k only")

    def __bool__(self) -> bool:
        raise NotAffine("the truth of a size that depends on k")

    def __str__(self) -> str:
        if self.a == 0:
            return str(self.b)
        head = "k" if self.a == 1 else f"{self.a}k"
        if self.b == 0:
            return head
        return f"{head} {'+' if self.b > 0 else '-'} {abs(self.b)}"
