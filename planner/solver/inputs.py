"""Valid input sizes in closed form, derived symbolically.

Every floor and ceiling in a network divides by a stride, so on one axis every size
is periodic in the input size ``H`` modulo ``P``, the product of the strides on that
axis. Substituting ``H = P*k + r`` (``k`` a non-negative integer symbol) for each
residue ``r`` turns every size into an affine function of ``k``: sympy reduces
``floor((16k + 5)/2)`` to ``8k + 2`` on its own. Every requirement of the framework
(sizes >= 1, merges equal, exactness) then becomes a linear condition on ``k``, and
the valid inputs of that residue are one arithmetic progression (or one size, or
none). Nothing is scanned: the answer holds for inputs of any magnitude.
"""

from __future__ import annotations

import itertools
import math
import re
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import sympy

from planner.budget import Budget, BudgetStopped, CancelToken, ProgressCallback
from planner.dialects import get_dialect
from planner.errors import SolveError
from planner.shapes import axis_names, infer
from planner.solver.exact import WINDOW_TYPES, dropped_pixels
from planner.spec.network import Network
from planner.spec.values import Unknown
from planner.symbolic.affine import Lin, LinCond, NotAffine
from planner.symbolic.ops import eventually, no_formulas, render, truth

K = sympy.Symbol("k", integer=True, nonnegative=True)


@dataclass
class Progression:
    """Sizes ``first, first + step, ...`` up to ``last`` (None: unbounded).

    ``step`` is 0 for a single size. ``output`` is the network's size on this axis as
    a formula of the input size (``H - 184``).
    """

    first: int
    step: int
    last: int | None
    output: str

    def __post_init__(self) -> None:
        # Plain ints everywhere (sympy Integers must not leak into specs or JSON).
        self.first = int(self.first)
        self.step = int(self.step)
        self.last = None if self.last is None else int(self.last)

    def contains(self, n: int) -> bool:
        if n < self.first or (self.last is not None and n > self.last):
            return False
        return n == self.first if self.step == 0 else (n - self.first) % self.step == 0

    def text(self, axis: str) -> str:
        if self.step == 0:
            return f"{axis} = {self.first}: output {self.output}"
        bound = (
            f"{axis} = {self.step}k + {self.first}, k >= 0"
            if self.step > 1
            else (f"{axis} >= {self.first}")
        )
        if self.last is not None:
            bound += f", up to {self.last}"
        return f"{bound}: output {self.output}"

    def to_dict(self) -> dict[str, Any]:
        return {"first": self.first, "step": self.step, "last": self.last, "output": self.output}


@dataclass
class CropAmounts:
    """What a ``crop_to`` layer takes off one axis on every valid input, as formulas
    of the input size: ``before`` pixels at the start and ``after`` at the end
    (negative: padded, for ``mode: crop_or_pad``)."""

    layer: str
    like: str
    before: str
    after: str

    def to_dict(self) -> dict[str, Any]:
        return {"layer": self.layer, "like": self.like, "before": self.before, "after": self.after}


@dataclass
class AxisInputs:
    axis: str
    period: int
    progressions: list[Progression]
    output: str
    notes: list[str] = field(default_factory=list)
    # Run-time crops (``crop_to`` layers) on this axis, in network order.
    crops: list[CropAmounts] = field(default_factory=list)

    def contains(self, n: int) -> bool:
        return any(p.contains(n) for p in self.progressions)

    def nearest(self, n: int) -> dict[str, int | None]:
        """The nearest valid sizes at or below and at or above ``n``."""
        below = above = None
        for p in self.progressions:
            lo = _floor_member(p, n)
            hi = _ceil_member(p, n)
            if lo is not None and (below is None or lo > below):
                below = lo
            if hi is not None and (above is None or hi < above):
                above = hi
        return {"below": below, "above": above}


@dataclass
class InputsResult:
    network: str
    exact: bool
    axes: dict[str, AxisInputs]
    near: int | None = None
    # False when the budget ran out or the run was cancelled: then ``reason`` says
    # where, and the progressions listed are proved but may not be all of them.
    complete: bool = True
    reason: str | None = None
    # The network analysed, for ``crops_at`` (not part of the answer's data).
    net: Network | None = field(default=None, repr=False, compare=False)

    def crops_at(self, size: int | list[int]) -> dict[str, dict[str, tuple[int, int]]]:
        """Pixels each ``crop_to`` layer takes off before and after on each axis
        (negative: padded) at one input size (an int: every spatial axis).

        >>> import planner
        >>> answer = valid_inputs(planner.load("unet-original-runtime-crop"))
        >>> answer.crops_at(189)["crop9"]["H"], answer.crops_at(572)["crop9"]["H"]
        ((88, 89), (88, 88))
        """
        from planner.shapes import infer

        net = self.net
        if net is None:
            raise SolveError("crop amounts need the network; call valid_inputs again")
        names = axis_names(net.rank)
        sizes = [size] * len(names) if isinstance(size, int) else list(size)
        if len(sizes) != len(names):
            raise SolveError(
                f"give one size or {len(names)} (one per axis {', '.join(names)}), "
                f"received {sizes}",
                field="size",
            )
        offset = 0 if net.channels_last else 1
        dims = [d if isinstance(d, int) else 1 for d in net.input_shape]
        for j, n in enumerate(sizes):
            dims[offset + j] = n
        result = infer(net, input_shape=dims)
        if not result.ok:
            bad = result.first_error
            assert bad is not None
            raise SolveError(
                f"{net.name} does not run on {sizes}: layer '{bad.name}': {bad.error}",
                field="size",
            )
        out: dict[str, dict[str, tuple[int, int]]] = {}
        for layer in result.layers:
            if layer.type == "crop_to" and layer.padding is not None:
                out[layer.name] = {
                    name: (-int(b), -int(a))
                    for name, (b, a) in zip(names, layer.padding, strict=True)
                }
        return out

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "network": self.network,
            "exact": self.exact,
            "complete": self.complete,
            "reason": self.reason,
            "axes": {
                name: {
                    "period": a.period,
                    "progressions": [p.to_dict() for p in a.progressions],
                    "output": a.output,
                    "notes": a.notes,
                    "crops": [c.to_dict() for c in a.crops],
                }
                for name, a in self.axes.items()
            },
        }
        if self.near is not None:
            data["nearest"] = {
                name: {**a.nearest(self.near), "valid": a.contains(self.near)}
                for name, a in self.axes.items()
            }
            runs = all(a.contains(self.near) for a in self.axes.values())
            if runs and any(a.crops for a in self.axes.values()):
                data["crops_at_near"] = {
                    layer: {axis: list(pair) for axis, pair in per_axis.items()}
                    for layer, per_axis in self.crops_at(self.near).items()
                }
        return data


def _floor_member(p: Progression, n: int) -> int | None:
    if n < p.first:
        return None
    top = n if p.last is None else min(n, p.last)
    if p.step == 0:
        return p.first
    return p.first + (top - p.first) // p.step * p.step


def _ceil_member(p: Progression, n: int) -> int | None:
    if n <= p.first:
        return p.first
    if p.step == 0:
        return None
    value = p.first + -(-(n - p.first) // p.step) * p.step
    return None if p.last is not None and value > p.last else value


def period(net: Network, axis: int) -> int:
    """The product of every stride (and resampling denominator) on ``axis``."""
    dialect = get_dialect(net.framework)
    p = 1
    for layer in net.layers:
        if layer.type in WINDOW_TYPES:
            kernel = (
                layer.pool_size if layer.type in ("max_pool", "avg_pool") else layer.kernel_size
            )
            s = (
                layer.strides[axis]
                if layer.strides is not None
                else dialect.pool_stride(kernel[axis])
            )
            p *= int(s)
        elif layer.type == "upsample" and layer.scale is not None:
            scale = layer.scale[axis]
            if isinstance(scale, float) and not scale.is_integer():
                p *= sympy.Rational(str(scale)).q
    return p


def _unclamp(expr: Any) -> Any:
    """``Max(0, e)`` -> ``e``. Clamps at 0 only mark sizes a framework would return
    empty (JAX); the conditions demand those sizes be >= 1 anyway, so on every valid
    input the clamp is the identity."""
    if not isinstance(expr, sympy.Basic):
        return expr
    return expr.replace(
        lambda e: isinstance(e, sympy.Max) and sympy.S.Zero in e.args,
        lambda e: sympy.Max(*[a for a in e.args if a != 0]),
    )


def _linear(expr: Any) -> tuple[Any, Any] | None:
    """``a*k + b`` -> (a, b), or None when ``expr`` is not affine in ``k``."""
    expr = sympy.expand(_unclamp(expr))
    if expr.free_symbols - {K}:
        return None
    try:
        poly = sympy.Poly(expr, K)
    except sympy.PolynomialError:
        return None
    if poly.degree() > 1:
        return None
    a = poly.coeff_monomial(K)
    b = poly.coeff_monomial(1)
    return a, b


def _k_range(conditions: list[Any]) -> tuple[int, int | None] | None:
    """The k >= 0 meeting every condition: (lo, hi or None), or None if empty.

    Raises ``SolveError`` for a condition that is not affine in k.
    """
    lo: int = 0
    hi: int | None = None
    for cond in conditions:
        if isinstance(cond, LinCond):
            # a*k + b >= 0 or a*k + b == 0, in integers (a != 0).
            a, b = cond.lin.a, cond.lin.b
            if cond.op == "==":
                if b % a:
                    return None
                k = -b // a
                if k < 0:
                    return None
                lo, hi = max(lo, k), (k if hi is None else min(hi, k))
            elif a > 0:
                lo = max(lo, -(b // a))  # k >= ceil(-b/a)
            else:
                top = b // -a  # k <= floor(b/|a|)
                hi = top if hi is None else min(hi, top)
            if hi is not None and hi < lo:
                return None
            continue
        cond = _unclamp(cond)
        decided = truth(cond)
        if decided is True:
            continue
        if decided is False:
            return None
        if isinstance(cond, sympy.Eq):
            lin = _linear(cond.lhs - cond.rhs)
            if lin is None:
                raise SolveError(f"condition {render(cond)} is not affine in the input size")
            a, b = lin
            if a == 0:
                if b != 0:
                    return None
                continue
            k = -b / a
            if not k.is_integer or k < 0:
                return None
            lo, hi = max(lo, int(k)), (int(k) if hi is None else min(hi, int(k)))
            continue
        if not isinstance(cond, sympy.core.relational.Relational):
            raise SolveError(f"condition {render(cond)} is not a comparison the solver reads")
        # Normalise to a*k + b >= 0 (or > 0).
        if isinstance(cond, sympy.GreaterThan | sympy.StrictGreaterThan):
            diff = cond.lhs - cond.rhs
        else:
            diff = cond.rhs - cond.lhs
        strict = isinstance(cond, sympy.StrictGreaterThan | sympy.StrictLessThan)
        lin = _linear(diff)
        if lin is None:
            raise SolveError(f"condition {render(cond)} is not affine in the input size")
        a, b = lin
        if strict:
            b -= 1  # integers: x > 0  <=>  x - 1 >= 0
        if a == 0:
            if b < 0:
                return None
            continue
        bound = -b / a
        if a > 0:
            # math.ceil of a sympy Rational is a sympy Integer: make it a plain int.
            lo = max(lo, int(math.ceil(bound)))  # noqa: RUF046
        else:
            top = int(math.floor(bound))  # noqa: RUF046
            hi = top if hi is None else min(hi, top)
    if hi is not None and hi < lo:
        return None
    return lo, hi


def valid_inputs(
    net: Network,
    *,
    exact: bool = False,
    near: int | None = None,
    time_budget: float = 10.0,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> InputsResult:
    """The input sizes for which ``net`` runs, every merge aligns and (``exact``) no
    pixel is dropped, per spatial axis, as unions of arithmetic progressions.

    >>> import planner
    >>> axis = valid_inputs(planner.load("unet-original")).axes["H"]
    >>> [p.text("H") for p in axis.progressions]
    ['H = 16k + 188, k >= 0: output 16k + 4']
    """
    from planner.solver.solve import check_arguments

    check_arguments(
        net, time_budget=time_budget, exact=exact, progress=progress, cancel=cancel, near=near
    )
    unknown = [u for u in net.unknowns().values() if u.name not in axis_names(net.rank)]
    layer_unknowns = [
        u.name
        for u in unknown
        if not any(isinstance(d, Unknown) and d.name == u.name for d in net.input_shape)
    ]
    if layer_unknowns:
        raise SolveError(
            f"valid inputs need every layer field known; {net.name} has unknowns "
            f"{', '.join(layer_unknowns)}: solve or set them first"
        )
    names = axis_names(net.rank)
    offset = 0 if net.channels_last else 1
    base = [d if not isinstance(d, Unknown | str) else 1 for d in net.input_shape]
    dialect = get_dialect(net.framework)
    generic: list[str] | None = None
    # Axes treated alike by every layer share one analysis (one inference per residue).
    groups = [list(range(len(names)))] if _axes_alike(net) else [[a] for a in range(len(names))]
    found: dict[int, tuple[int, list[Progression], list[str]]] = {}
    budget = Budget(task="inputs", seconds=time_budget, progress=progress, cancel=cancel)
    stopped: str | None = None
    if not exact and _monotone_chain(net):
        monotone = _monotone_inputs(net, names, offset, base, budget)
        if monotone is not None:
            budget.report(1, 1, "done", final=True)
            return InputsResult(net.name, exact, monotone, near, net=net)
    for group in groups:
        full = period(net, group[0])
        per_axis: dict[int, list[Progression]] = {a: [] for a in group}
        notes: dict[int, list[str]] = {a: [] for a in group}
        # Residue classes H = p*k + r, from H = k up: a class is split (by a prime
        # factor of what is left of the full period) only when its sizes are not
        # affine in k, so a network whose strides cancel (stride 2 then upsampling 2)
        # needs 2 classes, not 2**20. Exact affine arithmetic never guesses, so a
        # class that infers without splitting is answered exactly.
        refine = len(group) == len(names)
        work = [(1, 0)] if refine else [(full, r) for r in range(full - 1, -1, -1)]
        visited = 0
        periods: set[int] = set()
        while work:
            p, r = work.pop()
            visited += 1
            why = budget.check(force=True)
            if not why:
                budget.report(visited, None, f"axis {names[group[0]]}, {visited:,} residue classes")
                analysed = _analyse(
                    net, names, offset, base, group, p, r, budget, split=refine and p < full
                )
                why = budget.stopped
            if why:
                stopped = (
                    f"{'cancelled' if why == 'cancelled' else 'the time budget ran out'} after "
                    f"{budget.elapsed:.1f} s, after {visited - 1:,} residue classes (of at most "
                    f"{full:,}) for axis {names[group[0]]}: the sizes listed are valid, but "
                    "others may be too"
                )
                break
            if analysed is SPLIT:
                f = _smallest_factor(full // p)
                work.extend((p * f, r + p * j) for j in range(f - 1, -1, -1))
                continue
            periods.add(p)
            if analysed is None:
                continue
            result, settled = analysed
            small: list[int] | None = None
            for a in group:
                if settled:
                    # Below the k where every decision settles, check sizes one by one.
                    if small is None:
                        small = _small_sizes(
                            net, names, offset, base, a, group, p, r, settled, exact, budget
                        )
                    per_axis[a].extend(
                        Progression(n, 0, n, _output_at(net, names, offset, base, group, a, n))
                        for n in small
                    )
                if not result.ok:
                    continue
                conds = [
                    c.expr
                    for c in result.conditions
                    if c.axis in (names[a], None) and _depends_on_k(c.expr)
                ]
                conds.append(p * K + r >= 1)
                conds.append(settled <= K)
                if exact:
                    conds.extend(_exact_conditions(net, result, dialect, a))
                try:
                    krange = _k_range(conds)
                except SolveError as exc:
                    notes[a].append(f"residue {r} mod {p}: {exc.message}")
                    continue
                if krange is None:
                    continue
                lo, hi = krange
                first = p * lo + r
                last = None if hi is None else p * hi + r
                step = 0 if last == first else p
                out = _output_in_k(result, a, lo)
                per_axis[a].append(Progression(first, step, last, out))
        effective = math.lcm(*periods) if periods and not stopped else full
        for a in group:
            found[a] = (effective, per_axis[a], notes[a])
    axes: dict[str, AxisInputs] = {}
    for a, name in enumerate(names):
        p, progressions, notes = found[a]
        for prog in progressions:
            if prog.step == 1 and "k" in prog.output:
                # "H >= 2: output H - 1" reads better than a k nobody defined.
                prog.output = _in_terms_of(prog.output, name, prog.first, 1)
        if len(progressions) > 1 and generic is None and not budget.check(force=True):
            generic = _generic_outputs(net, names, offset, base)
        merged = _merge(progressions, p, generic[a] if generic else "")
        if len(merged) == 1 and merged[0].step == p:
            only = merged[0]
            summary = _in_terms_of(only.output, name, only.first, only.step)
        elif merged:
            if generic is None and not budget.check(force=True):
                generic = _generic_outputs(net, names, offset, base)
            summary = generic[a] if generic else "(not derived: out of time)"
        else:
            summary = "no valid input size"
        axes[name] = AxisInputs(name, p, merged, summary, notes)
    if any(layer.type == "crop_to" for layer in net.layers) and not budget.check(force=True):
        for name, crops in _crop_formulas(net, names, offset, base).items():
            axes[name].crops = crops
    budget.report(1, 1, "done", final=True)
    return InputsResult(net.name, exact, axes, near, stopped is None, stopped, net=net)


# Layers whose output size never decreases as their input grows, and whose only
# requirements are "large enough": through a chain of them, the valid sizes of an
# axis are every size from the smallest valid one up.
MONOTONE_TYPES = (
    *WINDOW_TYPES,
    "conv_transpose",
    "upsample",
    "zero_padding",
    "cropping",
    "activation",
    "batch_norm",
    "dropout",
)
# Far beyond any real input: a chain that does not run at this size runs at none.
HUGE = 2**40


def _monotone_chain(net: Network) -> bool:
    """Whether ``net`` is one chain of size-monotone layers (no merges, no reshape)."""
    previous = net.input_name
    for layer in net.layers:
        if layer.type not in MONOTONE_TYPES or list(layer.inputs or []) != [previous]:
            return False
        previous = layer.name
    return True


def _monotone_inputs(
    net: Network, names: tuple[str, ...], offset: int, base: list[Any], budget: Budget
) -> dict[str, AxisInputs] | None:
    """Valid sizes of a monotone chain per axis: ``H >= first``, found by bisection
    with concrete inference (other axes at a huge size), without a residue scan.
    None when the budget stops it (the caller then says so)."""

    def runs(a: int, n: int) -> bool:
        dims = list(base)
        for j in range(len(names)):
            dims[offset + j] = n if j == a else HUGE
        return infer(net, input_shape=dims).ok

    axes: dict[str, AxisInputs] = {}
    generic: list[str] | None = None
    for a, name in enumerate(names):
        if not runs(a, HUGE):
            axes[name] = AxisInputs(name, 1, [], "no valid input size")
            continue
        lo, hi = 1, HUGE  # hi runs; find the smallest that does
        while lo < hi:
            if budget.check(force=True):
                return None
            mid = (lo + hi) // 2
            if runs(a, mid):
                hi = mid
            else:
                lo = mid + 1
        if generic is None:
            generic = _generic_outputs(net, names, offset, base)
        axes[name] = AxisInputs(name, 1, [Progression(lo, 1, None, generic[a])], generic[a])
    return axes


# _analyse's answer for a residue class whose sizes are not affine: split it.
SPLIT = object()


def _smallest_factor(n: int) -> int:
    f = 2
    while f * f <= n:
        if n % f == 0:
            return f
        f += 1
    return n


# Residues whose sizes settle later than this are left to sympy (with a note).
MAX_SMALL_K = 4096


def _analyse(
    net: Network,
    names: tuple[str, ...],
    offset: int,
    base: list[Any],
    group: list[int],
    p: int,
    r: int,
    budget: Budget | None = None,
    split: bool = False,
) -> tuple[Any, int] | object | None:
    """Inference with ``H = p*k + r`` on the group's axes.

    Exact affine arithmetic (``Lin``) first: every max/min/choice takes the side it
    settles on for large k, and the k from which all of them have settled is returned
    as well (sizes below it are checked one by one by the caller). Sympy otherwise.
    None when the residue never works; ``SPLIT`` (when ``split``) when its sizes
    are not affine in k, so that a finer class must be taken.
    """
    for affine in (True, False):
        if not affine and budget is not None and budget.check(force=True):
            return None  # the caller sees the budget stopped and says so
        dims: list[Any] = list(base)
        for j, other in enumerate(names):
            if j in group:
                dims[offset + j] = Lin(p, r) if affine else p * K + r
            else:
                dims[offset + j] = sympy.Symbol(other, integer=True)
        if affine and len(group) != len(names):
            continue  # mixing Lin with sympy symbols on other axes: use sympy
        try:
            with no_formulas(), eventually() as thresholds, _watched(budget):
                result = infer(net, input_shape=dims)
        except BudgetStopped:
            return None  # the caller sees the budget stopped and says so
        except (NotAffine, TypeError):
            if affine and split:
                return SPLIT
            continue
        if not affine:
            return (result, 0) if result.ok else None
        settled = max([0, *thresholds])
        if settled > MAX_SMALL_K:
            continue
        if not result.ok and not settled:
            return None
        return result, settled
    return None


def _watched(budget: Budget | None) -> AbstractContextManager[None]:
    """The inference stops between layers once ``budget`` runs out (one symbolic
    inference of a long network can outlast the time left)."""
    return budget.watching() if budget is not None else nullcontext()


def _output_at(
    net: Network,
    names: tuple[str, ...],
    offset: int,
    base: list[Any],
    group: list[int],
    a: int,
    n: int,
) -> str:
    dims = list(base)
    for j in group:
        dims[offset + j] = n
    return str(_last_spatial(infer(net, input_shape=dims))[a])


def _small_sizes(
    net: Network,
    names: tuple[str, ...],
    offset: int,
    base: list[Any],
    a: int,
    group: list[int],
    p: int,
    r: int,
    below: int,
    exact: bool,
    budget: Budget | None = None,
) -> list[int]:
    """The valid sizes ``p*k + r`` for ``k < below``, each by concrete inference."""
    from planner.solver.search import verify
    from planner.spec.loading import network_from_data

    good = []
    for k in range(below):
        if budget is not None and budget.check():
            break
        n = p * k + r
        if n < 1:
            continue
        dims = list(base)
        for j in group:
            dims[offset + j] = n
        data = net.to_data()
        data["input_shape"] = dims
        if exact:
            ok = verify(network_from_data(data), {}, [], exact=True)[0]
        else:
            ok = infer(net, input_shape=dims).ok
        if ok:
            good.append(n)
    return good


def _depends_on_k(expr: Any) -> bool:
    if isinstance(expr, LinCond):
        return True
    return isinstance(expr, sympy.Basic) and K in expr.free_symbols


def _axes_alike(net: Network) -> bool:
    """Whether every per-axis field holds the same value on every axis."""
    for layer in net.layers:
        for f in (*layer.per_axis_fields, *layer.pad_fields):
            value = getattr(layer, f)
            if isinstance(value, tuple) and len(set(map(repr, value))) > 1:
                return False
    return True


def _generic_outputs(
    net: Network, names: tuple[str, ...], offset: int, base: list[Any]
) -> list[str]:
    dims: list[Any] = list(base)
    for j, name in enumerate(names):
        dims[offset + j] = name
    result = infer(net, input_shape=dims)
    return [render(d) for d in _last_spatial(result)]


def _crop_formulas(
    net: Network, names: tuple[str, ...], offset: int, base: list[Any]
) -> dict[str, list[CropAmounts]]:
    """Per axis, what each ``crop_to`` layer takes off, as formulas of the input size
    (one symbolic inference; the sizes it holds for are the valid ones found)."""
    dims: list[Any] = list(base)
    for j, name in enumerate(names):
        dims[offset + j] = name
    result = infer(net, input_shape=dims)
    out: dict[str, list[CropAmounts]] = {name: [] for name in names}
    for layer, res in zip(net.layers, result.layers, strict=True):
        if layer.type != "crop_to" or res.padding is None:
            continue
        for name, (before, after) in zip(names, res.padding, strict=True):
            out[name].append(
                CropAmounts(layer.name or "", layer.like, _tidy(-before), _tidy(-after))
            )
    return out


def _tidy(expr: Any) -> str:
    """A crop amount's formula with every ``floor(L + c)`` written ``floor(L + c') + i``
    (``i = floor(c)``, ``0 <= c' < 1``; ``ceiling`` alike), so that terms differing by
    a whole number cancel: ``floor(H/16 - 3/4) - floor(H/16 - 19/4)`` is ``4``."""
    if not isinstance(expr, sympy.Basic):
        return render(expr)

    def canon(e: Any) -> Any:
        c, rest = e.args[0].as_coeff_Add()
        whole = sympy.floor(c)
        if not c.is_Rational or whole == 0:
            return e
        return type(e)(rest + c - whole) + whole

    kinds = (sympy.floor, sympy.ceiling)
    tidy = expr.replace(lambda e: isinstance(e, kinds), canon)
    return render(sympy.expand(tidy))


def _last_spatial(result: Any) -> tuple[Any, ...]:
    """The last spatial sizes of the network: its last layer with spatial axes, or
    the input when no layer has any (then the output is the input)."""
    for layer in reversed(result.layers):
        if layer.spatial:
            return tuple(layer.spatial)
    return tuple(result.input_spatial)


def _output_in_k(result: Any, a: int, lo: int) -> str:
    """The output size on axis ``a`` as a formula of the progression's own ``k``."""
    value = _last_spatial(result)[a]
    if isinstance(value, Lin):
        return str(Lin(value.a, value.b + value.a * lo))
    if isinstance(value, int):
        return str(value)
    out = sympy.expand(_unclamp(sympy.sympify(value)).subs(K, K + lo))
    return re.sub(r"(\d)\*k\b", r"\1k", render(out))


def _in_terms_of(output_k: str, name: str, first: int, step: int) -> str:
    """``16k + 4`` with ``H = 16k + 188`` -> ``H - 184``."""
    h = sympy.Symbol(name, integer=True)
    text = re.sub(r"(\d)k\b", r"\1*k", output_k).replace("ceil(", "ceiling(")
    expr = sympy.sympify(text, locals={"k": K})
    return render(sympy.expand(expr.subs(K, (h - first) / step)))


def _exact_conditions(net: Network, result: Any, dialect: Any, a: int) -> list[Any]:
    conds = []
    spatial = result.sizes
    for layer, res in zip(net.layers, result.layers, strict=True):
        ins = spatial[(layer.inputs or [net.input_name])[0]]
        lost = dropped_pixels(layer, dialect, {}, ins, res)
        if lost:
            conds.append(lost[a] <= 0)
    return conds


def _merge(progressions: list[Progression], p: int, generic: str) -> list[Progression]:
    """Merge residue classes that together form a progression with a finer step; the
    merged progression's output is the general formula of the input size."""
    if len(progressions) < 2:
        return sorted(progressions, key=lambda x: x.first)
    unbounded = [x for x in progressions if x.last is None and x.step == p]
    rest = [x for x in progressions if not (x.last is None and x.step == p)]
    merged: list[Progression] = []
    used: set[int] = set()
    for d in sorted(d for d in range(1, p) if p % d == 0):
        by_class: dict[int, list[int]] = {}  # indices into unbounded, by residue mod d
        for i, x in enumerate(unbounded):
            if i not in used:
                by_class.setdefault(x.first % d, []).append(i)
        for members in by_class.values():
            if len(members) != p // d:
                continue
            firsts = sorted(unbounded[i].first for i in members)
            if all(b - a == d for a, b in itertools.pairwise(firsts)):
                merged.append(Progression(firsts[0], d, None, generic))
                used.update(members)
    remaining = [x for i, x in enumerate(unbounded) if i not in used]
    return sorted(merged + remaining + rest, key=lambda x: (x.first, x.step))
