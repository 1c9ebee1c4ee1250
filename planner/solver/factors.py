"""Variable elimination over tables of (count, best cost), and best-first enumeration.

A *factor* is a table over a few variables (its scope): each row is one combination
of their values that is allowed, with the number of ways it can happen and the least
cost of those ways. Multiplying factors joins their rows (counts multiply, costs add);
eliminating a variable sums it out (counts add, the least cost is kept). Eliminating
every variable, one bucket at a time, leaves the exact number of solutions and the
exact best cost, and each bucket's table is kept, so that solutions can then be
listed best first: variables are given values in reverse elimination order, and the
tables of the buckets not yet expanded are an exact estimate of the best completion
(A* with an exact heuristic), so solutions come out in exact cost order.

The work is the size of the largest bucket, which for networks whose tensors are used
by nested fork/join blocks (U-Nets, residual blocks) stays polynomial in the depth,
where a walk in layer order keeps every open skip at once (a product over levels).
The elimination order is chosen greedily: next the variable whose neighbours' value
counts have the least product.

>>> a = Factor((0,), {(1,): (1, 0), (2,): (1, 5)})
>>> b = Factor((0, 1), {(1, 7): (1, 1), (2, 7): (1, 0), (2, 8): (1, 2)})
>>> elim = eliminate([a, b], {0: 2, 1: 2})
>>> elim.count, elim.best
(3, 1)
>>> [(values, cost) for values, cost in best_first(elim)]
[({1: 7, 0: 1}, 1), ({1: 7, 0: 2}, 5), ({1: 8, 0: 2}, 7)]
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Row = tuple[int, int]  # (count, best cost)
# Called often inside the loops; True when the work must stop (time, cancel, memory).
Check = Callable[[], bool]


class Stopped(Exception):
    """The budget stopped the elimination or the listing."""


@dataclass
class Factor:
    """Allowed combinations of ``scope``'s values, each with (count, best cost)."""

    scope: tuple[int, ...]
    table: dict[tuple[Any, ...], Row]


@dataclass
class Bucket:
    """One eliminated variable: the factors that held it, and the table left after
    summing it out (over ``out.scope``)."""

    var: int
    factors: list[Factor]
    out: Factor
    # Per factor: (positions of its other variables, position of ``var``), and lazily,
    # rows indexed by the other variables' values -> {value of var: best}.
    _index: list[dict[tuple[Any, ...], dict[Any, Row]]] | None = None

    def index(self, check: Check) -> list[dict[tuple[Any, ...], dict[Any, Row]]]:
        if self._index is None:
            self._index = []
            for f in self.factors:
                at = f.scope.index(self.var)
                rest = [i for i in range(len(f.scope)) if i != at]
                by: dict[tuple[Any, ...], dict[Any, Row]] = {}
                for key, row in f.table.items():
                    if check():
                        raise Stopped("time")
                    by.setdefault(tuple(key[i] for i in rest), {})[key[at]] = row
                self._index.append(by)
        return self._index


@dataclass
class Elimination:
    """Every variable eliminated: the buckets in order, the exact count and best cost."""

    buckets: list[Bucket]
    roots: list[Factor]  # tables over no variable left (one row each, or empty)
    rest: list[Factor] = field(default_factory=list)  # tables over kept variables
    rows: int = 0  # rows of every table built, a measure of the work and memory
    largest: int = 0  # rows of the largest table built
    order: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        total = 1
        for f in self.roots:
            total *= f.table[()][0] if () in f.table else 0
        return total

    @property
    def best(self) -> int:
        return sum(f.table[()][1] for f in self.roots if () in f.table)


def _never() -> bool:
    return False


def eliminate(
    factors: Sequence[Factor],
    sizes: Mapping[int, int],
    check: Check = _never,
    *,
    on_rows: Callable[[int], bool] | None = None,
    keep: frozenset[int] = frozenset(),
) -> Elimination:
    """Sum every variable out of ``factors`` (``sizes``: how many values each takes),
    except those in ``keep`` (the tables left over them are ``rest``).

    ``check`` is called in the inner loops (raise ``Stopped`` when it says stop);
    ``on_rows`` gets the number of rows kept so far and returns True to stop (memory).
    """
    live: list[Factor | None] = list(factors)
    holding: dict[int, set[int]] = {v: set() for v in sizes}
    for i, f in enumerate(factors):
        for v in f.scope:
            holding.setdefault(v, set()).add(i)
    buckets: list[Bucket] = []
    result = Elimination(buckets, [])
    # The next variable is the one of least weight; a weight changes only when a
    # neighbour is eliminated, so stale heap entries are skipped (version numbers).
    version = dict.fromkeys(holding, 0)
    heap = [(_weight(v, holding, live, sizes), v, 0) for v in holding if v not in keep]
    heapq.heapify(heap)
    while heap:
        if check():
            raise Stopped("time")
        _, x, seen = heapq.heappop(heap)
        if x not in holding or seen != version[x]:
            continue
        mine = sorted(holding.pop(x))
        if not mine:  # in no table: it constrains nothing
            continue
        parts: list[Factor] = []
        for i in mine:
            f = live[i]
            assert f is not None
            parts.append(f)
            live[i] = None
            for v in f.scope:
                if v != x and v in holding:
                    holding[v].discard(i)
        out = _join_out(parts, x, check)
        result.rows += len(out.table)
        result.largest = max(result.largest, len(out.table))
        if on_rows is not None and on_rows(result.rows):
            raise Stopped("memory")
        buckets.append(Bucket(x, parts, out))
        result.order.append(x)
        if out.scope:
            live.append(out)
            for v in out.scope:
                holding[v].add(len(live) - 1)
                if v not in keep:
                    version[v] += 1
                    heapq.heappush(heap, (_weight(v, holding, live, sizes), v, version[v]))
        else:
            result.roots.append(out)
    # Factors over no variable at all (a check that holds or not) are roots too.
    for f in live:
        if f is not None and not f.scope:
            result.roots.append(f)
        elif f is not None:
            result.rest.append(f)
    return result


def support(
    factors: Sequence[Factor],
    sizes: Mapping[int, int],
    keep: Sequence[int],
    check: Check = _never,
) -> list[tuple[Any, ...]] | None:
    """The combinations of ``keep``'s values that some assignment of every other
    variable allows (the values of ``keep`` in that order); None when a variable of
    ``keep`` is in no table (then every value of it is allowed).

    >>> a = Factor((0, 1), {(1, 5): (1, 0), (2, 6): (1, 0)})
    >>> b = Factor((0, 2), {(1, 7): (1, 0), (2, 8): (1, 0)})
    >>> support([a, b], {0: 2, 1: 2, 2: 2}, [1, 2])
    [(5, 7), (6, 8)]
    """
    elim = eliminate(factors, sizes, check, keep=frozenset(keep))
    if elim.count == 0:
        return []
    if not elim.rest:
        return None
    joined = _join_out(elim.rest, -1, check)
    if set(joined.scope) != set(keep):
        return None
    at = [joined.scope.index(v) for v in keep]
    # In the tables' order (a dict, not a set): the same every run.
    return list(dict.fromkeys(tuple(key[i] for i in at) for key in joined.table))


def _weight(
    v: int, holding: Mapping[int, set[int]], live: list[Factor | None], sizes: Mapping[int, int]
) -> tuple[int, int, int]:
    neighbours: set[int] = set()
    for i in holding[v]:
        f = live[i]
        assert f is not None
        neighbours.update(f.scope)
    neighbours.discard(v)
    product = 1
    for n in neighbours:
        product *= max(1, sizes.get(n, 1))
        if product > 1 << 62:
            break
    return (product, len(neighbours), v)


def _join_out(parts: list[Factor], x: int, check: Check) -> Factor:
    """The product of ``parts`` with ``x`` summed out."""
    # Join the smallest table first, then each table sharing the most variables with
    # what is joined so far (so that no join is a blind cross product when avoidable).
    todo = sorted(parts, key=lambda f: len(f.table))
    first = todo.pop(0)
    scope = list(first.scope)
    rows: list[tuple[tuple[Any, ...], int, int]] = [
        (key, c, b) for key, (c, b) in first.table.items()
    ]
    while todo:
        have = set(scope)
        todo.sort(key=lambda f: (-len(have.intersection(f.scope)), len(f.table)))
        f = todo.pop(0)
        shared = [v for v in f.scope if v in have]
        at_mine = [scope.index(v) for v in shared]
        at_theirs = [f.scope.index(v) for v in shared]
        new_at = [i for i, v in enumerate(f.scope) if v not in have]
        index: dict[tuple[Any, ...], list[tuple[tuple[Any, ...], int, int]]] = {}
        for key, (c, b) in f.table.items():
            if check():
                raise Stopped("time")
            index.setdefault(tuple(key[i] for i in at_theirs), []).append(
                (tuple(key[i] for i in new_at), c, b)
            )
        joined = []
        for key, c, b in rows:
            if check():
                raise Stopped("time")
            for extra, c2, b2 in index.get(tuple(key[i] for i in at_mine), ()):
                joined.append((key + extra, c * c2, b + b2))
        rows = joined
        scope += [f.scope[i] for i in new_at]
    keep = [i for i, v in enumerate(scope) if v != x]
    out: dict[tuple[Any, ...], Row] = {}
    for key, c, b in rows:
        if check():
            raise Stopped("time")
        k = tuple(key[i] for i in keep)
        old = out.get(k)
        out[k] = (c, b) if old is None else (old[0] + c, min(old[1], b))
    return Factor(tuple(scope[i] for i in keep), out)


def best_first(elim: Elimination, check: Check = _never) -> Iterator[tuple[dict[int, Any], int]]:
    """Every complete assignment, in increasing cost (ties: the deepest partial one
    first, so that millions of tied solutions do not all grow at once)."""
    if elim.count == 0:
        return
    buckets = list(reversed(elim.buckets))
    position = {b.var: depth for depth, b in enumerate(buckets)}
    # Where each bucket's other variables sit in the assignment (all assigned earlier).
    layouts = []
    for b in buckets:
        per = []
        for f in b.factors:
            per.append(tuple(position[v] for v in f.scope if v != b.var))
        layouts.append((tuple(position[v] for v in b.out.scope), per))
    tie = itertools.count()
    heap: list[Any] = [(elim.best, 0, next(tie), ())]
    n = len(buckets)
    while heap:
        if check():
            raise Stopped("time")
        prio, _depth, _, values = heapq.heappop(heap)
        depth = len(values)
        if depth == n:
            yield {b.var: values[i] for i, b in enumerate(buckets)}, prio
            continue
        bucket = buckets[depth]
        out_at, per = layouts[depth]
        out_row = bucket.out.table[tuple(values[i] for i in out_at)]
        base = prio - out_row[1]
        index = bucket.index(check)
        options = [index[j].get(tuple(values[i] for i in at), {}) for j, at in enumerate(per)]
        options.sort(key=len)
        for value, row in options[0].items():
            cost = base + row[1]
            for other in options[1:]:
                r = other.get(value)
                if r is None:
                    break
                cost += r[1]
            else:
                heapq.heappush(heap, (cost, -(depth + 1), next(tie), (*values, value)))
