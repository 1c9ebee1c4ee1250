"""Solve for an unknown input size in closed form, without a per-size search.

When the only unknown is the input size ``H`` (one axis, or every spatial axis for a
square input) and every layer is known, each residue class ``H = p*k + r`` (``p`` the
product of the strides, as in :mod:`planner.solver.inputs`) makes every size affine in
``k``. Every requirement of the framework and every target is then a linear condition
on ``k`` (``==``, ``>=``, ...), a congruence (``output % 32 == 0``: ``a*k + b = 0 mod
32``), or one of a few values (``output in {25, 26}``). The answer of each residue is an
arithmetic progression of input sizes, so a range of ``1..10**18`` costs what ``1..100``
costs: ``p`` inferences, however wide the range.

Sizes below the point where every max/min of the network has settled (a handful) are
checked one by one with concrete inference. Solutions are listed lazily in cost
order; the count is exact.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from planner.budget import Budget
from planner.errors import SolveError
from planner.solver.problem import Target, Var, target_sizes
from planner.spec.network import Network
from planner.spec.values import Unknown

# A congruence on k with a modulus beyond this is left to the search.
MAX_MODULUS = 1 << 16


class NotClosed(Exception):
    """This question has no closed form here; the caller searches instead."""


@dataclass(frozen=True)
class Run:
    """Input sizes ``first, first + step, ..., last`` (``step`` 0 for one size)."""

    first: int
    step: int
    last: int

    @property
    def count(self) -> int:
        return 1 if self.step == 0 else (self.last - self.first) // self.step + 1

    def ascending_from(self, n: int) -> Iterator[int]:
        """Members >= n, smallest first."""
        if self.step == 0:
            if self.first >= n:
                yield self.first
            return
        start = (
            self.first
            if n <= self.first
            else self.first - (-(n - self.first) // self.step) * self.step
        )
        yield from range(start, self.last + 1, self.step)

    def descending_below(self, n: int) -> Iterator[int]:
        """Members < n, largest first."""
        if self.step == 0:
            if self.first < n:
                yield self.first
            return
        top = min(self.last, n - 1)
        if top < self.first:
            return
        top = self.first + (top - self.first) // self.step * self.step
        yield from range(top, self.first - 1, -self.step)


@dataclass
class ClosedAnswer:
    """Every input size meeting the question, as runs; ``complete`` False when the
    budget stopped it (then ``checked`` says how far it got)."""

    var: Var
    runs: list[Run]
    complete: bool
    checked: str
    residues: int

    @property
    def total(self) -> int:
        return sum(r.count for r in self.runs)

    def in_cost_order(self) -> Iterator[int]:
        """Members nearest the reference first (smallest first without one)."""
        ref = self.var.ref if isinstance(self.var.ref, int) else None
        if ref is None:
            yield from _dedupe(heapq.merge(*(r.ascending_from(-(10**30)) for r in self.runs)))
            return
        up = heapq.merge(*(r.ascending_from(ref) for r in self.runs))
        down = heapq.merge(*(r.descending_below(ref) for r in self.runs), reverse=True)
        merged = heapq.merge(((n - ref, n) for n in up), ((ref - n, n) for n in down))
        yield from _dedupe(n for _, n in merged)


def _dedupe(values: Iterator[int]) -> Iterator[int]:
    last = None
    for v in values:
        if v != last:
            yield v
        last = v


def input_var(net: Network, vars: Mapping[str, Var]) -> tuple[Var, list[int]] | None:
    """The one input-size unknown and its axes, when it is the only unknown and every
    other input size is a number; else None."""
    if len(vars) != 1:
        return None
    (var,) = vars.values()
    if var.field != "input" or not isinstance(var.domain, range):
        return None
    axes = []
    for a, d in enumerate(net.spatial_input):
        if isinstance(d, Unknown):
            if d.name != var.name:
                return None
            axes.append(a)
        elif not isinstance(d, int):
            return None
    channel = [d for i, d in enumerate(net.input_shape) if i not in _spatial_positions(net)]
    if not axes or not all(isinstance(c, int) for c in channel):
        return None
    return var, axes


def _spatial_positions(net: Network) -> set[int]:
    offset = 0 if net.channels_last else 1
    return {offset + a for a in range(net.rank)}


def solve_input(
    net: Network,
    var: Var,
    axes: list[int],
    targets: list[Target],
    exact: bool,
    budget: Budget,
) -> ClosedAnswer:
    """Every size of ``var`` (on ``axes``) meeting the network's requirements and
    ``targets``, as runs. Raises ``NotClosed`` when a residue has no affine form."""
    from planner.dialects import get_dialect
    from planner.shapes import infer
    from planner.solver.inputs import (
        K,
        _depends_on_k,
        _exact_conditions,
        _k_range,
        _smallest_factor,
        period,
    )
    from planner.symbolic.affine import Lin, NotAffine
    from planner.symbolic.ops import eventually, no_formulas

    lo = max(var.domain.start, 1)
    hi = var.domain.stop - 1
    if not exact and lo <= hi:
        monotone = _monotone(net, var, axes, targets, lo, hi, budget)
        if monotone is not None:
            return monotone
    full = math.lcm(*(period(net, a) for a in axes))
    offset = 0 if net.channels_last else 1
    runs: list[Run] = []
    complete = True
    checked = f"every residue class of {var.name} (period {full})"
    # Residue classes H = p*k + r from H = k up, split only where sizes are not affine
    # (as in valid_inputs).
    work = [(1, 0)]
    visited = 0
    periods: set[int] = set()
    while work:
        p, r = work.pop()
        if budget.check(force=True):
            complete = False
            checked = f"{visited:,} residue classes of {var.name} (of at most {full:,})"
            break
        visited += 1
        budget.report(visited, None, f"{var.name} = {p}k + {r}")
        # k with lo <= p*k + r <= hi.
        k_lo = max(0, -(-(lo - r) // p))
        k_hi = (hi - r) // p
        if k_hi < k_lo:
            continue
        dims: list[Any] = list(net.input_shape)
        for a in axes:
            dims[offset + a] = Lin(p, r)
        try:
            with no_formulas(), eventually() as thresholds:
                result = infer(net, input_shape=dims)
        except (NotAffine, TypeError) as exc:
            if p < full:
                f = _smallest_factor(full // p)
                work.extend((p * f, r + p * j) for j in range(f - 1, -1, -1))
                continue
            raise NotClosed(str(exc)) from None
        periods.add(p)
        settled = max([0, *thresholds])
        # Sizes before every decision has settled: one by one.
        for k in range(k_lo, min(settled, k_hi + 1)):
            if budget.check():
                complete = False
                checked = f"{visited:,} residue classes of {var.name} (of at most {full:,})"
                break
            if _holds_at(net, var, p * k + r, targets, exact):
                runs.append(Run(p * k + r, 0, p * k + r))
        if not complete:
            break
        if not result.ok:
            continue
        base = [c.expr for c in result.conditions if _depends_on_k(c.expr)]
        base += [max(k_lo, settled) <= K, k_hi >= K]
        if exact:
            dialect = get_dialect(net.framework)
            for a in range(net.rank):  # the known axes must be exact too
                base.extend(_exact_conditions(net, result, dialect, a))
        for conds, congruences in _target_conditions(net, result, targets):
            k_range = _k_range(base + conds)
            if k_range is None:
                continue
            first_k, last_k = k_range
            assert last_k is not None  # bounded by k_hi
            for m, c in _combine(congruences):
                # k = m*j + c within [first_k, last_k].
                start = first_k + (c - first_k) % m
                if start > last_k:
                    continue
                end = start + (last_k - start) // m * m
                step = p * m if end > start else 0
                runs.append(Run(p * start + r, step, p * end + r))
    p = math.lcm(*periods) if periods else full
    return ClosedAnswer(var, _disjoint(runs), complete, checked, p)


# Target comparisons whose solutions over a size-monotone function form intervals.
_INTERVAL_OPS = ("==", ">=", "<=", ">", "<", "..", "in")


def _monotone(
    net: Network,
    var: Var,
    axes: list[int],
    targets: list[Target],
    lo: int,
    hi: int,
    budget: Budget,
) -> ClosedAnswer | None:
    """Through a chain of size-monotone layers (see ``inputs.MONOTONE_TYPES``) every
    size grows with the input and the valid inputs are every size from the smallest
    one up, so each target's solutions are an interval of inputs (a few, for a set)
    found by bisection: about 60 inferences for a range of 10**18, whatever the
    strides. None when the network or a target does not fit that mould."""
    from planner.shapes import infer
    from planner.solver.inputs import _monotone_chain

    if not _monotone_chain(net) or any(
        t.op not in _INTERVAL_OPS or isinstance(t.right, str) for t in targets
    ):
        return None
    offset = 0 if net.channels_last else 1
    cache: dict[int, Any] = {}

    def sizes(n: int) -> Any:
        if n not in cache:
            dims = list(net.input_shape)
            for a in axes:
                dims[offset + a] = n
            result = infer(net, input_shape=dims)
            cache[n] = result.sizes if result.ok else None
        return cache[n]

    def first(pred: Any, a: int, b: int) -> int | None:
        """The smallest n in a..b with pred(n), pred monotone (False then True)."""
        if a > b or not pred(b):
            return None
        while a < b:
            if budget.check(force=True):
                raise _Stopped
            mid = (a + b) // 2
            if pred(mid):
                b = mid
            else:
                a = mid + 1
        return a

    try:
        start = first(lambda n: sizes(n) is not None, lo, hi)
        if start is None:
            return ClosedAnswer(var, [], True, f"{var.name} in {lo}..{hi}", 1)
        intervals = [(start, hi)]
        for t in targets:
            try:
                target_sizes(t, net, sizes(start))
            except SolveError:
                return ClosedAnswer(var, [], True, f"{var.name} in {lo}..{hi}", 1)
            t_axes = t.axes if t.axes is not None else tuple(range(net.rank))
            for j, x in enumerate(t_axes):
                allowed = _allowed(t, j)

                def size(n: int, x: int = x, name: str = _name(t, net)) -> int:
                    return sizes(n)[name][x]

                pieces = []
                for low, high in allowed:
                    a = first(lambda n, low=low: size(n) >= low, start, hi) if low else start
                    if a is None:
                        continue
                    b_excl = first(lambda n, high=high: size(n) > high, a, hi) if high else None
                    b = hi if b_excl is None else b_excl - 1
                    if a <= b:
                        pieces.append((a, b))
                intervals = _intersect(intervals, pieces)
    except _Stopped:
        return ClosedAnswer(var, [], False, "part of the bisection", 1)
    runs = [Run(a, 0 if a == b else 1, b) for a, b in intervals]
    return ClosedAnswer(var, runs, True, f"{var.name} in {lo}..{hi}", 1)


class _Stopped(Exception):
    pass


def _name(t: Target, net: Network) -> str:
    from planner.solver.problem import resolve_name

    return resolve_name(t.left, net)


def _allowed(t: Target, j: int) -> list[tuple[int, int | None]]:
    """The sizes ``t`` allows on its ``j``-th axis, as intervals (None: no bound)."""
    right = t.right
    assert isinstance(right, tuple)
    want = right[j] if len(right) > 1 and t.op not in ("in", "..") else right[0]
    if t.op == "==":
        return [(want, want)]
    if t.op == ">=":
        return [(want, None)]
    if t.op == ">":
        return [(want + 1, None)]
    if t.op == "<=":
        return [(1, want)]
    if t.op == "<":
        return [(1, want - 1)]
    if t.op == "..":
        return [(right[0], right[1])]
    return [(v, v) for v in right]


def _intersect(left: list[tuple[int, int]], right: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for a1, b1 in left:
        for a2, b2 in right:
            a, b = max(a1, a2), min(b1, b2)
            if a <= b:
                out.append((a, b))
    return sorted(out)


def _holds_at(net: Network, var: Var, n: int, targets: list[Target], exact: bool) -> bool:
    from planner.solver.search import verify

    return verify(net, {var.name: n}, targets, exact)[0]


def _target_conditions(
    net: Network, result: Any, targets: list[Target]
) -> Iterator[tuple[list[Any], list[tuple[int, int]]]]:
    """Per choice of the set targets' values: the linear conditions on k, and the
    congruences ``k = c mod m`` the divisibility targets need."""
    per_target: list[list[tuple[list[Any], list[tuple[int, int]]]]] = []
    for t in targets:
        try:
            left, right = target_sizes(t, net, result.sizes)
        except SolveError:
            return  # a flattened side: no size meets it
        options: list[tuple[list[Any], list[tuple[int, int]]]] = []
        if t.op == "in":
            assert isinstance(t.right, tuple)
            for value in t.right:
                options.append(([have == value for have in left], []))
        elif t.op == "%":
            congruences = []
            conds: list[Any] = []
            for have, m in zip(left, right, strict=True):
                if isinstance(have, int):
                    conds.append(have % m == 0)
                    continue
                congruence = _congruence(have, m)
                if congruence is None:
                    conds.append(False)
                else:
                    congruences.append(congruence)
            options.append((conds, congruences))
        else:
            conds = []
            for have, want in zip(left, right, strict=True):
                conds.extend(t.conditions(have, want))
            options.append((conds, []))
        per_target.append(options)
    for combo in itertools.product(*per_target):
        conds = [c for option in combo for c in option[0]]
        congruences = [c for option in combo for c in option[1]]
        if any(c is False for c in conds):
            continue
        yield [c for c in conds if c is not True], congruences


def _congruence(have: Any, m: int) -> tuple[int, int] | None:
    """``a*k + b = 0 (mod m)`` as ``k = c (mod m')``, or None when it never holds."""
    from planner.symbolic.affine import Lin

    if not isinstance(have, Lin):
        raise NotClosed(f"a divisibility of {have} that is not affine")
    a, b = have.a % m, have.b % m
    g = math.gcd(a, m)
    if b % g:
        return None
    mm = m // g
    c = (-(b // g) * pow(a // g, -1, mm)) % mm if mm > 1 else 0
    return mm, c


def _combine(congruences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The classes ``(m, c)`` of k meeting every congruence (one class, or none)."""
    m, c = 1, 0
    for mm, cc in congruences:
        lcm = math.lcm(m, mm)
        if lcm > MAX_MODULUS:
            raise NotClosed(f"congruences modulo {lcm}")
        found = [x for x in range(c, lcm, m) if x % mm == cc]
        if not found:
            return []
        m, c = lcm, found[0]
    return [(m, c)]


def _disjoint(runs: list[Run]) -> list[Run]:
    """Runs in order of their first size (residues are disjoint, so are the runs)."""
    return sorted(runs, key=lambda run: (run.first, run.step))
