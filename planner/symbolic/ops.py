"""Integer arithmetic that works on Python ints and on sympy expressions alike.

Concrete sizes stay plain ``int``: every helper tries plain integer arithmetic first
and imports sympy only when a symbol is involved (then it returns a sympy
expression), so a numeric question never imports sympy at all. Never apply Python
``max()`` or ``if`` to a sympy expression: use ``maximum`` and ``truth`` from here
instead.

The algebra behind floor division, used by the solver:
``a // b == e  <=>  b*e <= a < b*(e + 1)`` for ``b > 0``.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeAlias

from planner.symbolic.affine import Lin, LinCond, NotAffine

if TYPE_CHECKING:
    import sympy

# Analyses that never show formulas (valid input sets) turn printing off: printing
# sympy expressions is most of the cost of a symbolic inference.
_PRINTING: ContextVar[bool] = ContextVar("planner_printing", default=True)


# In the valid-input analysis sizes are affine in k only *eventually*: a max, a min
# or a choice between two affine sizes settles on one side past some k. Within
# ``eventually()`` those decisions take their eventual side and record the k from
# which it holds; the analysis checks the smaller k one by one.
_THRESHOLDS: ContextVar[list[int] | None] = ContextVar("planner_thresholds", default=None)


@contextmanager
def eventually() -> Iterator[list[int]]:
    thresholds: list[int] = []
    token = _THRESHOLDS.set(thresholds)
    try:
        yield thresholds
    finally:
        _THRESHOLDS.reset(token)


def _settle(diff: Lin) -> bool:
    """Whether ``diff = a*k + b >= 0`` eventually holds; records from which k."""
    thresholds = _THRESHOLDS.get()
    if thresholds is None:
        raise NotAffine(f"a decision that depends on k: {diff} >= 0")
    if diff.a > 0:
        thresholds.append(-(diff.b // diff.a))  # k >= ceil(-b/a)
        return True
    thresholds.append(diff.b // -diff.a + 1)  # k > b/|a|
    return False


def printing() -> bool:
    """Whether derivations are wanted (off inside ``no_formulas``)."""
    return _PRINTING.get()


@contextmanager
def no_formulas() -> Iterator[None]:
    """Within this block, symbolic formulas render as ``...`` (integers still print)
    and derivation strings are not built at all."""
    token = _PRINTING.set(False)
    try:
        yield
    finally:
        _PRINTING.reset(token)


Dim: TypeAlias = "int | sympy.Expr"


def symbol(name: str) -> sympy.Symbol:
    """The sympy symbol planner uses for a size or an unknown called ``name``."""
    import sympy

    return sympy.Symbol(name, integer=True)


def _loaded_sympy() -> Any:
    """sympy if something imported it already, else ``None``: a value that is not an
    int can only be a sympy object once sympy is loaded."""
    return sys.modules.get("sympy")


def is_int(x: Any) -> bool:
    """Whether ``x`` is an integer size (not a bool). The helpers below test plain
    ``int`` inline first: the common case, without a call."""
    return type(x) is int or (isinstance(x, int) and not isinstance(x, bool))


def to_int(x: Any) -> Any:
    """Collapse a sympy Integer to ``int``; leave everything else alone."""
    if type(x) is int:
        return x
    sympy = _loaded_sympy()
    if sympy is not None and isinstance(x, sympy.Integer):
        return int(x)
    return x


def product(values: tuple[Dim, ...]) -> Dim:
    """The product of sizes (``Flatten``, a kernel's weights per channel pair)."""
    if all(is_int(v) for v in values):
        return math.prod(values)  # type: ignore[arg-type]
    if any(isinstance(v, Lin) for v in values):
        out: Any = 1
        for v in values:
            out = v * out
        return out
    import sympy

    return to_int(sympy.Mul(*values))


def _nested(a: Any, b: Any, kind: type) -> Any:
    """``kind((inner(E) + c)/b)`` as a single ``kind``, for an integer ``c`` and a
    positive int ``b``; returns the merged argument or ``None``. The algebra:

    ``floor((floor(E) + c)/b) == floor((E + c)/b)`` for any real ``E`` (likewise
    ``ceiling``), and for integer ``p`` and positive integer ``q``
    ``ceiling(p/q) == floor((p + q - 1)/q)``, ``floor(p/q) == ceiling((p - q + 1)/q)``,
    which turn a ceiling inside a floor (or the reverse) into the outer kind.

    Without it a chain of strided layers nests one floor per layer, and sympy's time
    (and recursion depth) grows with the nesting.
    """
    import sympy

    if not (is_int(b) and b > 0 and isinstance(a, sympy.Basic)):
        return None
    if b == 1:
        return a  # sizes are integers: floor(a/1) == ceiling(a/1) == a
    c, rest = a.as_coeff_Add()
    if not c.is_Integer:
        return None
    if isinstance(rest, kind):
        return (rest.args[0] + c) / b
    other = sympy.ceiling if kind is sympy.floor else sympy.floor
    if isinstance(rest, other):
        num, den = sympy.fraction(sympy.together(rest.args[0]))
        if den.is_Integer and den > 0 and num.is_integer:
            shift = den - 1 if kind is sympy.floor else 1 - den
            return (num + shift + c * den) / (den * b)
    return None


def _round(kind: Any, arg: Any) -> Any:
    """``kind(arg)`` (``sympy.floor`` or ``sympy.ceiling``), built directly when ``arg``
    is affine in integer symbols of unknown sign: the result is the one sympy's own
    evaluation gives (integer terms pulled out, the rest kept inside), without the
    assumption queries that evaluation makes, whose cost grows with the size of the
    coefficients (a chain of strided layers divides by 2**depth)."""
    import sympy

    ipart: Any = 0
    rest = []
    for term in sympy.Add.make_args(arg):
        coeff, factor = term.as_coeff_Mul()
        if not coeff.is_Rational:
            return kind(arg)
        if factor is not sympy.S.One and not (
            factor.is_Symbol
            and factor.is_integer
            and factor.is_positive is None
            and factor.is_negative is None
            and factor.is_zero is None
        ):
            return kind(arg)
        if coeff.is_Integer:
            ipart += term
        else:
            rest.append(term)
    if not any(t.free_symbols for t in rest):
        return kind(arg)  # a number: sympy decides it
    return ipart + kind(sympy.Add(*rest), evaluate=False)


def _collapse(expr: Any) -> Any:
    """Merge ``floor((floor(x) + c)/b)`` into one floor (``ceiling`` alike, see
    ``_nested``) wherever sympy left them nested, e.g. inside a sum."""
    import sympy

    if not isinstance(expr, sympy.Basic) or not expr.has(sympy.floor, sympy.ceiling):
        return expr

    def merge(e: Any) -> Any:
        num, den = sympy.fraction(sympy.together(e.args[0]))
        if den.is_Integer and den > 1:
            merged = _nested(num, int(den), type(e))
            if merged is not None:
                return _round(type(e), merged)
        return e

    for kind in (sympy.floor, sympy.ceiling):
        expr = expr.replace(lambda e, kind=kind: isinstance(e, kind), merge)
    return expr


def _floor_of_mod(a: Any, b: Any) -> Any:
    """``floor((Mod(x, m) + c)/b)`` for a small ``m``: ``Mod(x, m)`` is one of 0..m-1,
    so the floor is a constant, or (``m == 2``) ``c//b + Mod(x, 2)*step``."""
    import sympy

    if not (is_int(b) and b > 0 and isinstance(a, sympy.Basic)):
        return None
    if b == 1:
        return a  # sizes are integers: floor(a/1) == ceiling(a/1) == a
    c, rest = a.as_coeff_Add()
    if not (c.is_Integer and isinstance(rest, sympy.Mod) and rest.args[1].is_Integer):
        return None
    m = int(rest.args[1])
    lo, hi = int(c) // b, (int(c) + m - 1) // b
    if lo == hi:
        return lo
    if m == 2:
        return lo + (hi - lo) * rest
    return None


def mod_gap(n: Dim, s: Dim) -> Dim:
    """``s*ceil(n/s) - n``: how far ``n`` is below the next multiple of ``s``."""
    if (type(n) is int and type(s) is int) or (is_int(n) and is_int(s)):
        return (-n) % s  # type: ignore[operator]
    if isinstance(n, Lin) or isinstance(s, Lin):
        return ceil_div(n, s) * s - n
    import sympy

    return to_int(sympy.Mod(-sympy.sympify(n), s))


def floor_div(a: Dim, b: Dim) -> Dim:
    """``floor(a / b)``."""
    if (type(a) is int and type(b) is int) or (is_int(a) and is_int(b)):
        return a // b  # type: ignore[operator]
    if isinstance(a, Lin) or isinstance(b, Lin):
        return Lin.of(a).floordiv(b)
    small = _floor_of_mod(a, b)
    if small is not None:
        return to_int(small)
    import sympy

    merged = _nested(a, b, sympy.floor)
    if merged is not None:
        return to_int(_round(sympy.floor, merged))
    return to_int(_collapse(_round(sympy.floor, sympy.sympify(a) / b)))


def ceil_div(a: Dim, b: Dim) -> Dim:
    """``ceil(a / b)``."""
    if (type(a) is int and type(b) is int) or (is_int(a) and is_int(b)):
        return -(-a // b)  # type: ignore[operator]
    if isinstance(a, Lin) or isinstance(b, Lin):
        return Lin.of(a).ceildiv(b)
    import sympy

    merged = _nested(a, b, sympy.ceiling)
    if merged is not None:
        return to_int(_round(sympy.ceiling, merged))
    return to_int(_collapse(_round(sympy.ceiling, sympy.sympify(a) / b)))


def _lin_extreme(a: Any, b: Any, larger: bool) -> Any:
    diff = Lin.of(a) - Lin.of(b)
    if isinstance(diff, int):
        return a if (diff >= 0) == larger else b
    a_wins = _settle(diff) == larger
    return a if a_wins else b


def maximum(a: Dim, b: Dim) -> Dim:
    if (type(a) is int and type(b) is int) or (is_int(a) and is_int(b)):
        return max(a, b)  # type: ignore[type-var]
    if isinstance(a, Lin) or isinstance(b, Lin):
        return _lin_extreme(a, b, larger=True)
    import sympy

    return to_int(sympy.Max(a, b))


def minimum(a: Dim, b: Dim) -> Dim:
    if (type(a) is int and type(b) is int) or (is_int(a) and is_int(b)):
        return min(a, b)  # type: ignore[type-var]
    if isinstance(a, Lin) or isinstance(b, Lin):
        return _lin_extreme(a, b, larger=False)
    import sympy

    return to_int(sympy.Min(a, b))


def equal(a: Any, b: Any) -> Any:
    """``a == b``: a ``bool`` when decided, else a condition (sympy ``Eq`` or ``LinCond``)."""
    if (type(a) is int and type(b) is int) or (is_int(a) and is_int(b)):
        return a == b
    if isinstance(a, Lin) or isinstance(b, Lin):
        return Lin.of(a) == b if isinstance(a, Lin) else Lin.of(b) == a
    import sympy

    diff = sympy.expand(sympy.sympify(a) - b)
    if diff == 0:
        return True
    if diff.is_number:
        return False
    return sympy.Eq(a, b)


def mul_floor(a: Dim, factor: Any) -> Dim:
    """``floor(a * factor)`` for an int or float factor (``Upsample(scale_factor)``)."""
    if isinstance(factor, float) and factor.is_integer():
        factor = int(factor)
    if (type(a) is int and type(factor) is int) or (is_int(a) and is_int(factor)):
        return a * factor  # type: ignore[operator]
    if isinstance(a, Lin):
        from fractions import Fraction

        f = Fraction(factor)
        if (a.a * f.numerator) % f.denominator:
            raise NotAffine(f"floor(({a}) * {factor})")
        return Lin(a.a * f.numerator // f.denominator, (a.b * f.numerator) // f.denominator)._norm()
    if is_int(a) and isinstance(factor, float):
        # PyTorch computes floor(double(n) * scale); mirror it exactly.
        import math

        return math.floor(float(a) * factor)  # type: ignore[arg-type]
    import sympy

    f = sympy.nsimplify(factor) if isinstance(factor, float) else factor
    return to_int(sympy.floor(sympy.sympify(a) * f))


def truth(cond: Any) -> bool | None:
    """``True``/``False`` when ``cond`` is decided, ``None`` when it depends on symbols."""
    if isinstance(cond, bool):
        return cond
    sympy = _loaded_sympy()
    if sympy is None:
        return None
    if cond is sympy.true:
        return True
    if cond is sympy.false:
        return False
    if isinstance(cond, sympy.logic.boolalg.BooleanAtom):
        return bool(cond)
    return None


def piecewise(cond: Any, then: Dim, otherwise: Dim) -> Dim:
    """``then if cond else otherwise``, symbolic when ``cond`` is undecided."""
    decided = truth(cond)
    if decided is True:
        return then
    if decided is False:
        return otherwise
    if isinstance(cond, LinCond):
        if cond.op == "==":
            # Equal at one k at most: eventually unequal.
            return otherwise if _settle(Lin(abs(cond.lin.a), 0) - 1) else then
        return then if _settle(cond.lin) else otherwise
    import sympy

    return to_int(sympy.Piecewise((then, cond), (otherwise, True)))


def simplify(x: Any) -> Any:
    if is_int(x) or isinstance(x, Lin):
        return x
    import sympy

    return to_int(sympy.simplify(x))


def render(x: Any) -> str:
    """A readable formula: ``floor((H - 3)/2) + 1`` rather than sympy's repr."""
    if type(x) is int:
        return str(x)
    if is_int(x):
        return str(x)
    if isinstance(x, Lin | LinCond):
        return str(x)
    if not _PRINTING.get():
        return "..."
    sympy = _loaded_sympy()
    if sympy is not None and isinstance(x, sympy.Basic):
        return _render_sympy(x)
    return _render_uncached(x)


def _render_uncached(x: Any) -> str:
    return _printer().doprint(x)


@functools.cache
def _printer() -> Any:
    """sympy's ``str`` printer (what ``sympy.sstr`` uses) writing sizes as the
    frameworks' docs do: ``ceil(H/2)`` for ``ceiling(H/2)``, ``a % b`` for ``Mod(a,
    b)``, and one fraction inside a rounding, ``floor((H - 1)/2)`` for ``floor(H/2 -
    1/2)``.

    >>> import sympy
    >>> H = sympy.Symbol("H", integer=True)
    >>> [render(e) for e in (sympy.Mod(sympy.ceiling(H / 2), 2), H - sympy.Mod(H + 1, 3))]
    ['ceil(H/2) % 2', 'H - (H + 1) % 3']
    >>> render(2 * sympy.Mod(2 * H, 3)), render(sympy.floor(H / 2 - sympy.Rational(1, 2)) + 1)
    ('2*((2*H) % 3)', 'floor((H - 1)/2) + 1')
    """
    import sympy
    from sympy.printing.precedence import PRECEDENCE
    from sympy.printing.str import StrPrinter

    class Printer(StrPrinter):
        def _rounded(self, name: str, arg: Any) -> str:
            # One fraction inside: floor((H - 1)/2), not floor(H/2 - 1/2).
            if isinstance(arg, sympy.Add):
                arg = sympy.together(arg)
            return f"{name}({self._print(arg)})"

        def _print_floor(self, expr: Any) -> str:
            return self._rounded("floor", expr.args[0])

        def _print_ceiling(self, expr: Any) -> str:
            return self._rounded("ceil", expr.args[0])

        def _print_Mod(self, expr: Any) -> str:
            # ``%`` binds like ``*``: an operand that is a product or looser is wrapped.
            a, b = (self.parenthesize(arg, PRECEDENCE["Mul"]) for arg in expr.args)
            return f"{a} % {b}"

    return Printer()


# Inference renders each size several times (as a layer's output, as the next
# layer's input, in its conditions); printing is most of a symbolic inference's cost.
_render_sympy = functools.lru_cache(maxsize=4096)(_render_uncached)
