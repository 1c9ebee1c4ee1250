"""``planner.solve``: unknowns + targets -> every exact solution, ranked and verified.

When there is none, the result says why in words and numbers: which layer refuses
every assignment, or which sizes are reachable and the nearest to the target.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from planner.budget import Budget, CancelToken, ProgressCallback
from planner.errors import SolveError
from planner.shapes import axis_names, infer
from planner.shapes.apply import SPATIAL_TYPES
from planner.solver.closed import NotClosed, input_var, solve_input
from planner.solver.problem import (
    Target,
    Var,
    assign,
    parse_target,
    refuse_stray,
    resolve_name,
    target_sizes,
    with_unknowns,
)
from planner.solver.search import (
    Assignment,
    collect_vars,
    describe_failures,
    infer_assigned,
    layer_cost,
    search,
    verify,
)
from planner.spec.network import Network
from planner.spec.values import Unknown
from planner.symbolic.ops import render


@dataclass
class SolveResult:
    """The answer of a solve. ``complete`` means every solution inside the bounds was
    found (``total`` of them; ``solutions`` holds the best ``limit``, best first)."""

    network: Network
    targets: list[Target]
    exact: bool
    unknowns: dict[str, dict[str, Any]]
    complete: bool
    reason: str | None
    total: int
    solutions: list[Assignment]
    seconds: float

    @property
    def solved(self) -> bool:
        return bool(self.solutions)

    def network_for(self, solution: Assignment) -> Network:
        """The network with this solution's values filled in."""
        return assign(self.network, solution.values)

    def to_dict(self) -> dict[str, Any]:
        return {
            "network": self.network.name,
            "targets": [str(t) for t in self.targets],
            "exact": self.exact,
            "unknowns": self.unknowns,
            "complete": self.complete,
            "reason": self.reason,
            "total": self.total,
            # How many of the solutions are listed below (the best ``limit``).
            "listed": len(self.solutions),
            "solutions": [s.to_dict() for s in self.solutions],
            "seconds": round(self.seconds, 4),
        }


def solve(
    net: Network,
    targets: Sequence[str | Target] | str = (),
    *,
    unknowns: Sequence[str] | str = (),
    exact: bool = False,
    refs: Mapping[str, Any] | None = None,
    limit: int | None = 20,
    time_budget: float = 10.0,
    explain: bool = True,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    max_states: int | None = None,
) -> SolveResult:
    """Find every value of the network's unknowns that meets ``targets``.

    ``unknowns`` adds unknowns by ``LAYER.FIELD[=LO..HI]`` or ``LAYER.FIELD=A,B,C``; merges always have to
    align; ``exact`` also forbids dropping pixels to the floor. ``explain=False``
    skips the search for reasons when there is no solution (for callers that only
    want solutions). ``time_budget``, ``progress`` and ``cancel`` bound the search
    and report on it (see :mod:`planner.budget`): the answer comes back within the
    budget, incomplete (``complete=False``, and ``reason`` says how far it got) when
    the search did not finish. ``max_states`` bounds its memory (states kept, default
    ``Budget.MAX_STATES``, and about 1 GiB of them). When the only unknown is the
    input size, the answer is derived in closed form, however wide its range.

    >>> import planner
    >>> net = planner.loads('''
    ... name: halve
    ... framework: torch
    ... input_shape: [3, 28, 28]
    ... layers: [{type: Conv2d, out_channels: 8, kernel_size: 3, stride: 2, padding: "?p"}]
    ... ''')
    >>> result = solve(net, ["output=14"])
    >>> [s.values for s in result.solutions]
    [{'p': 1}]
    >>> big = solve(planner.load("unet-original"), ["output>=388"],
    ...             unknowns=["input=1..10**18"], limit=2)
    >>> big.total, [s.values for s in big.solutions]
    (62499999999999965, [{'input': 572}, {'input': 588}])
    """
    started = time.perf_counter()
    check_arguments(
        net,
        limit=limit,
        time_budget=time_budget,
        exact=exact,
        progress=progress,
        cancel=cancel,
    )
    if max_states is not None and (
        isinstance(max_states, bool) or not isinstance(max_states, int) or max_states < 1
    ):
        raise SolveError(
            f"max_states must be a whole number >= 1; received {max_states!r}",
            field="max_states",
        )
    # The budget starts now: reading the unknowns and targets is part of the question.
    budget = Budget(
        task="solve",
        seconds=time_budget,
        progress=progress,
        cancel=cancel,
        max_states=max_states,
    )
    target_list = _as_list(targets, "targets")
    net = with_unknowns(net, _as_list(unknowns, "unknowns"))
    parsed = [parse_target(t, net) for t in target_list]
    refuse_named_inputs(net, "solve")
    if refs is not None and not isinstance(refs, Mapping):
        raise SolveError(
            f"refs must map unknown names to values; received {type(refs).__name__}",
            field="refs",
        )
    vars = collect_vars(net, refs)
    if refs:
        refuse_stray(refs, vars, net.name, "refs")
    info: dict[str, dict[str, Any]] = {name: _domain_info(v) for name, v in vars.items()}
    for name, v in vars.items():
        if not v.size:
            raise SolveError(
                f"unknown '{name}' has an empty domain; check its min and max", field=name
            )

    def answer(
        complete: bool, reason: str | None, total: int, found: list[Assignment]
    ) -> SolveResult:
        return SolveResult(
            net,
            parsed,
            exact,
            info,
            complete,
            reason,
            total,
            found,
            time.perf_counter() - started,
        )

    clash = contradiction(parsed, net)
    if clash:
        return answer(True, clash, 0, [])
    closed = input_var(net, vars)
    if closed is not None:
        try:
            return _solve_closed(net, closed, parsed, exact, limit, budget, answer, explain)
        except NotClosed:
            pass
    per_axis = axis_vars(net, vars)
    if per_axis is not None:
        try:
            return _solve_axes(net, per_axis, parsed, exact, limit, budget, answer, explain)
        except NotClosed:
            pass
    domains = input_domains(net, vars, exact, budget)
    found = search(net, parsed, exact=exact, refs=refs, domains=domains, limit=limit, budget=budget)
    reason = found.reason
    if found.complete and not found.solutions:
        reason = (
            explain_failure(net, parsed, exact, found.failures, refs, budget=budget)
            if explain
            else "no solution"
        )
    return answer(found.complete, reason, found.total, found.solutions)


def _solve_closed(
    net: Network,
    closed: tuple[Var, list[int]],
    targets: list[Target],
    exact: bool,
    limit: int | None,
    budget: Budget,
    answer: Any,
    explain: bool,
) -> SolveResult:
    """The input-size question in closed form (see :mod:`planner.solver.closed`)."""
    var, axes = closed
    result = solve_input(net, var, axes, targets, exact, budget)
    listed: list[Assignment] = []
    vars = {var.name: var}
    for n in itertools.islice(result.in_cost_order(), limit):
        if budget.check(force=True):
            break
        values = {var.name: n}
        ok, shape = verify(net, values, targets, exact)
        if not ok:  # pragma: no cover - the closed form and inference share the arithmetic
            raise AssertionError(f"closed form produced an unverified size {n}")
        listed.append(Assignment(values, layer_cost(net, -1, vars, values), shape))
    budget.report(1, 1, "done", final=True)
    why = "cancelled" if budget.stopped == "cancelled" else "incomplete: the time budget ran out"
    if result.complete and budget.stopped:
        # The count is exact; only the listing was cut short.
        return answer(
            False,
            f"{why} after {budget.elapsed:.1f} s while listing: all {result.total:,} solutions "
            f"are counted exactly, the best {len(listed):,} listed",
            result.total,
            listed,
        )
    if not result.complete:
        return answer(
            False,
            f"{why} after {budget.elapsed:.1f} s; {len(listed)} solution"
            f"{'s' if len(listed) != 1 else ''} found, checked up to {result.checked}; no "
            "other answer is claimed",
            result.total if result.complete else len(listed),
            listed,
        )
    reason = None
    if not result.runs:
        reason = (
            explain_closed(net, var, axes, targets, exact, budget) if explain else "no solution"
        )
    return answer(True, reason, result.total, listed)


# Layers whose sizes on one spatial axis depend only on that axis: through them, each
# axis of the input can be solved alone.
PER_AXIS_TYPES = SPATIAL_TYPES | {"concatenate", "add", "activation", "batch_norm", "dropout"}


def axis_vars(net: Network, vars: Mapping[str, Var]) -> list[tuple[Var, list[int]]] | None:
    """Two or more input-size unknowns on different axes (``input.H``, ``input.W``),
    every layer known and of a type that treats axes apart: each with its axes; else
    None."""
    if len(vars) < 2 or any(
        v.field != "input" or not isinstance(v.domain, range) for v in vars.values()
    ):
        return None
    if any(layer.type not in PER_AXIS_TYPES for layer in net.layers):
        return None
    offset = 0 if net.channels_last else 1
    spatial = set(range(offset, offset + net.rank))
    if not all(isinstance(d, int) for i, d in enumerate(net.input_shape) if i not in spatial):
        return None
    axes: dict[str, list[int]] = {name: [] for name in vars}
    for a, d in enumerate(net.spatial_input):
        if isinstance(d, Unknown):
            axes[d.name].append(a)
        elif not isinstance(d, int):
            return None
    return [(vars[name], found) for name, found in axes.items()]


def _axis_targets(targets: list[Target], axes: list[int], rank: int) -> list[Target]:
    """``targets`` restricted to ``axes`` (a size per axis becomes that axis's size)."""
    out = []
    for t in targets:
        t_axes = t.axes if t.axes is not None else tuple(range(rank))
        for j, a in enumerate(t_axes):
            if a not in axes:
                continue
            right = t.right
            if isinstance(right, tuple) and t.op in ("==", ">=", "<=", ">", "<") and len(right) > 1:
                right = (right[j],)
            text = f"{t} (axis {axis_names(rank)[a]})"
            out.append(Target(t.left, right, (a,), text, op=t.op, quantity=t.quantity))
    return out


def _solve_axes(
    net: Network,
    per_axis: list[tuple[Var, list[int]]],
    targets: list[Target],
    exact: bool,
    limit: int | None,
    budget: Budget,
    answer: Any,
    explain: bool,
) -> SolveResult:
    """Input sizes unknown on several axes, each solved alone in closed form (the
    layers treat axes apart), and the answer their product, listed best first."""
    import heapq

    from planner.solver.inputs import valid_inputs

    names = axis_names(net.rank)
    offset = 0 if net.channels_last else 1
    valid = valid_inputs(net, exact=exact, time_budget=max(budget.remaining(), 0.01))
    if not valid.complete:
        raise NotClosed("the valid sizes were not all found")
    # A valid size of each unknown, for the other axes while one is solved.
    sample: dict[str, int] = {}
    for var, axes in per_axis:
        found = valid.axes[names[axes[0]]].nearest(var.domain.start)["above"]
        if found is None or found > var.domain.stop - 1:
            raise NotClosed(f"no valid size of {var.name} in its range")
        sample[var.name] = found
    covered = {a for _, axes in per_axis for a in axes}
    answers = []
    alones = []
    for n, (var, axes) in enumerate(per_axis):
        dims = list(net.input_shape)
        for other, other_axes in per_axis:
            if other is not var:
                for a in other_axes:
                    dims[offset + a] = sample[other.name]
        alone = net.model_copy(update={"input_shape": dims})
        alones.append(alone)
        # Targets on known axes hold or not whatever the sizes: checked with the first.
        mine = [*axes, *(a for a in range(net.rank) if a not in covered and n == 0)]
        result = solve_input(
            alone, var, axes, _axis_targets(targets, mine, net.rank), exact, budget
        )
        if not result.complete:
            why = "cancelled" if budget.stopped == "cancelled" else "incomplete: the time budget"
            return answer(
                False,
                f"{why} ran out after {budget.elapsed:.1f} s while solving {var.name}; no "
                "answer is claimed",
                0,
                [],
            )
        answers.append(result)
    total = math.prod(a.total for a in answers)
    vars = {var.name: var for var, _ in per_axis}
    streams = [a.in_cost_order() for a in answers]
    seen_values: list[list[int]] = [[] for _ in answers]

    def value(i: int, j: int) -> int | None:
        while len(seen_values[i]) <= j:
            nxt = next(streams[i], None)
            if nxt is None:
                return None
            seen_values[i].append(nxt)
        return seen_values[i][j]

    def cost_of(index: tuple[int, ...]) -> tuple[int, dict[str, Any]] | None:
        values = {}
        for i, j in enumerate(index):
            v = value(i, j)
            if v is None:
                return None
            values[per_axis[i][0].name] = v
        return layer_cost(net, -1, vars, values), values

    # Each stream comes nearest the reference first, and the cost only grows with the
    # distance on each axis: a best-first walk over the grid of positions lists the
    # product in cost order.
    found: list[tuple[dict[str, Any], int]] = []
    tie_cap = None if limit is None else max(10 * limit, 200)
    start = (0,) * len(answers)
    first = cost_of(start) if total else None
    heap: list[Any] = [] if first is None else [(first[0], start, first[1])]
    queued = {start}
    while heap:
        if budget.check():
            break
        cost, index, values = heapq.heappop(heap)
        if (
            limit is not None
            and len(found) >= limit
            and (cost > found[-1][1] or len(found) >= tie_cap)  # type: ignore[operator]
        ):
            break
        found.append((values, cost))
        for i in range(len(index)):
            nxt = (*index[:i], index[i] + 1, *index[i + 1 :])
            if nxt in queued:
                continue
            queued.add(nxt)
            got = cost_of(nxt)
            if got is not None:
                heapq.heappush(heap, (got[0], nxt, got[1]))
    found.sort(key=lambda item: (item[1], list(item[0].values())))
    listed: list[Assignment] = []
    for values, cost in found if limit is None else found[:limit]:
        if budget.check(force=True):
            break
        ok, shape = verify(net, values, targets, exact)
        if not ok:  # pragma: no cover - the closed form and inference share the arithmetic
            raise AssertionError(f"closed form produced an unverified size {values}")
        listed.append(Assignment(values, cost, shape))
    budget.report(1, 1, "done", final=True)
    if budget.stopped:
        why = (
            "cancelled" if budget.stopped == "cancelled" else "incomplete: the time budget ran out"
        )
        return answer(
            False,
            f"{why} after {budget.elapsed:.1f} s while listing: all {total:,} solutions are "
            f"counted exactly, the best {len(listed):,} listed",
            total,
            listed,
        )
    reason = None
    if not total:
        empty = next(i for i, a in enumerate(answers) if not a.total)
        var, axes = per_axis[empty]
        reason = "no solution"
        if explain:
            reason = f"{var.name}: " + explain_closed(
                alones[empty], var, axes, _axis_targets(targets, axes, net.rank), exact, budget
            )
    return answer(True, reason, total, listed)


def explain_closed(
    net: Network, var: Var, axes: list[int], targets: list[Target], exact: bool, budget: Budget
) -> str:
    """Why no input size in the range meets the targets: the nearest sizes that do run,
    and what they give."""
    rng = f"{var.name} in {var.domain.start}..{var.domain.stop - 1}"
    try:
        free = solve_input(net, var, axes, [], exact, budget.child())
    except NotClosed:
        free = None
    if free is not None and free.complete and not free.runs:
        analysis = _inputs_text(net, exact)
        return f"no input size with {rng} runs through {net.name}{analysis}"
    if free is None:
        return f"no input size with {rng} meets {', '.join(map(str, targets))}"
    parts = []
    for t in targets:
        sizes = _sample_outputs(net, var, axes, t, free, budget)
        if not sizes:
            continue
        left = resolve_name(t.left, net)
        if sizes[0][0] == "":
            sizes_text = _inputs_text(net, exact) or f" (the smallest that runs is {sizes[0][1]})"
            parts.append(f"{t} holds for no {rng}{sizes_text}")
            continue
        near = ", ".join(f"{left} {have} (with {var.name}={n})" for have, n in sizes)
        parts.append(f"{t} holds for no {rng}; nearest: {near}")
    if parts:
        return "; ".join(parts)
    return (
        f"each target can be met alone, but no {rng} meets "
        f"{' and '.join(map(str, targets))} together"
    )


def _inputs_text(net: Network, exact: bool) -> str:
    from planner.solver.inputs import valid_inputs

    try:
        analysis = valid_inputs(net, exact=exact, time_budget=1.0)
    except SolveError:
        return ""
    texts = [p.text(n) for n, a in analysis.axes.items() for p in a.progressions[:2]]
    return f" (valid sizes: {'; '.join(texts)})" if texts else ""


def _sample_outputs(
    net: Network, var: Var, axes: list[int], t: Target, free: Any, budget: Budget
) -> list[tuple[str, int]]:
    """For a target that no size meets alone: what its left side is at the largest
    size that stays below it and the smallest that goes above (each from the closed
    form); empty when the target can be met alone, or is not a plain ``==``."""
    alone = solve_input(net, var, axes, [t], False, budget.child())
    if alone.runs or not alone.complete:
        return []
    if t.op != "==" or isinstance(t.right, str):
        return [] if not free.runs else [("", free.runs[0].first)]
    picks = []
    if min(t.right) > 1:
        below = Target(t.left, tuple(v - 1 for v in t.right), t.axes, op="<=")
        found = solve_input(net, var, axes, [below], False, budget.child())
        if found.runs:
            picks.append(max(run.last for run in found.runs))
    above = Target(t.left, tuple(v + 1 for v in t.right), t.axes, op=">=")
    found = solve_input(net, var, axes, [above], False, budget.child())
    if found.runs:
        picks.append(min(run.first for run in found.runs))
    out = []
    for n in picks:
        have, _ = target_sizes(t, net, infer(net, values={var.name: n}).sizes)
        out.append((_size_text(have), n))
    return out


def _size_text(sizes: tuple[Any, ...]) -> str:
    return str(sizes[0]) if len(set(sizes)) == 1 else "x".join(map(str, sizes))


def contradiction(targets: list[Target], net: Network) -> str | None:
    """Two or more numeric targets on the same layer and axis that no size meets
    together (``output=388`` and ``output=390``), named; None when they are compatible."""
    by_place: dict[tuple[str, int], list[tuple[Target, int]]] = {}
    for t in targets:
        if isinstance(t.right, str):
            continue
        axes = t.axes if t.axes is not None else tuple(range(net.rank))
        for j, a in enumerate(axes):
            want = t.right[0] if t.op in ("in", "..", "%") or len(t.right) == 1 else t.right[j]
            by_place.setdefault((resolve_name(t.left, net), a), []).append((t, want))
    names = axis_names(net.rank)
    for (left, a), items in by_place.items():
        if len(items) < 2 or _satisfiable(items):
            continue
        listed = " and ".join(str(t) for t, _ in items)
        wants = " and ".join(t.wants() for t, _ in items)
        return (
            f"the targets contradict each other: {listed} ask {left} on axis {names[a]} to be "
            f"{wants} at once, which no size is"
        )
    return None


def _satisfiable(items: list[tuple[Target, int]]) -> bool:
    """Whether one size meets every (target, wanted value) on one axis."""
    candidates: set[int] | None = None
    for t, want in items:
        values: set[int] | None = None
        if t.op == "==":
            values = {want}
        elif t.op == "in":
            values = set(t.right)  # type: ignore[arg-type]
        if values is not None:
            candidates = values if candidates is None else candidates & values
    if candidates is not None:
        return any(all(t.holds(n, w) for t, w in items) for n in candidates)
    lo, hi, step = 1, None, 1
    for t, want in items:
        if t.op == "..":
            lo, hi = max(lo, t.right[0]), _min(hi, t.right[1])  # type: ignore[index]
        elif t.op in (">=", ">"):
            lo = max(lo, want + (t.op == ">"))
        elif t.op in ("<=", "<"):
            hi = _min(hi, want - (t.op == "<"))
        elif t.op == "%":
            step = math.lcm(step, want)
    first = -(-lo // step) * step
    return hi is None or first <= hi


def _min(a: int | None, b: int) -> int:
    return b if a is None else min(a, b)


def _domain_info(v: Var) -> dict[str, Any]:
    if not v.size:
        return {"min": None, "max": None, "ref": v.ref}
    if isinstance(v.domain, range):
        return {"min": v.domain[0], "max": v.domain[-1], "ref": v.ref}
    return {"choices": list(v.domain), "ref": v.ref}


def _as_list(value: Any, name: str) -> list[Any]:
    """A list of strings (or Targets) from a list, tuple or one string."""
    if isinstance(value, str | Target):
        return [value]
    if isinstance(value, Sequence) and all(isinstance(v, str | Target) for v in value):
        return list(value)
    raise SolveError(
        f"{name} must be a list of strings (e.g. {_EXAMPLES[name]}); received "
        f"{type(value).__name__} {value!r}"[:300],
        field=name,
    )


_EXAMPLES = {"targets": "['output=388']", "unknowns": "['input=1..1000']"}


def refuse_named_inputs(net: Network, task: str) -> None:
    """Refuse a spatial input size that is a name (``H``), not a number or an unknown.

    A name has no value and no range: a target compared with it (``2*H >= H``) or a
    layer's requirement on it (``H >= 1``) cannot be decided, so no answer about it
    would be true. An unknown with a range (``input.H=1..1024``) can be searched.
    """
    names = axis_names(net.rank)
    named = [a for a, d in zip(names, net.spatial_input, strict=True) if isinstance(d, str)]
    if named:
        sizes = ", ".join(str(d) for d in net.spatial_input)
        raise SolveError(
            f"{net.name}: the input size on axis {', '.join(named)} is a name, not a number "
            f"(spatial sizes {sizes}); "
            f"{task} needs a number for each, or an unknown with a range to search "
            f"(e.g. {'input' if len(named) == len(names) else f'input.{named[0]}'}=1..1024)",
            field="input_shape",
        )


def check_arguments(
    net: Any,
    *,
    limit: Any = 1,
    time_budget: Any = 1.0,
    exact: Any = False,
    progress: Any = None,
    cancel: Any = None,
    near: Any = None,
) -> None:
    """Refuse bad arguments to ``solve``, ``valid_inputs`` and ``fixes`` with a
    ``SolveError`` naming the argument, what was received and what is valid."""
    if not isinstance(net, Network):
        raise SolveError(
            f"expected a planner.Network (from planner.load); received {type(net).__name__}",
            field="net",
        )
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise SolveError(
            f"limit must be a whole number >= 1, or limit=None for every solution; "
            f"received {limit!r}",
            field="limit",
        )
    if (
        isinstance(time_budget, bool)
        or not isinstance(time_budget, int | float)
        or not math.isfinite(time_budget)
        or time_budget <= 0
    ):
        raise SolveError(
            f"time_budget must be a number of seconds > 0; received {time_budget!r}",
            field="time_budget",
        )
    if not isinstance(exact, bool):
        raise SolveError(f"exact must be True or False; received {exact!r}", field="exact")
    if progress is not None and not callable(progress):
        raise SolveError(
            f"progress must be a callable taking a Progress; received {type(progress).__name__}",
            field="progress",
        )
    if cancel is not None and not (isinstance(cancel, threading.Event) or callable(cancel)):
        raise SolveError(
            "cancel must be a threading.Event or a callable returning bool; received "
            f"{type(cancel).__name__}",
            field="cancel",
        )
    if near is not None and (isinstance(near, bool) or not isinstance(near, int) or near < 1):
        raise SolveError(f"near must be a size >= 1; received {near!r}", field="near")


def input_domains(
    net: Network, vars: Mapping[str, Any], exact: bool, budget: Budget | None = None
) -> dict[str, Sequence[int]]:
    """Narrow input-size unknowns to the sizes the closed form says are valid.

    Only when every other field is known: then the valid sizes are exact progressions
    (``valid_inputs``), and the search walks those sizes instead of the whole range.
    Ranges too wide to list are left as they are (the search then refuses them).
    """
    if not vars or any(v.field != "input" for v in vars.values()):
        return {}
    if any(v.size > 1_000_000 for v in vars.values()):
        return {}
    from planner.solver.inputs import valid_inputs
    from planner.spec.values import Unknown

    seconds = budget.remaining() / 2 if budget is not None else 10.0
    analysis = valid_inputs(net, exact=exact, time_budget=max(seconds, 0.01))
    if not analysis.complete:
        return {}
    names = axis_names(net.rank)
    spatial = net.spatial_input
    out: dict[str, Sequence[int]] = {}
    for name, var in vars.items():
        allowed = list(var.domain)
        for a, dim in enumerate(spatial):
            if isinstance(dim, Unknown) and dim.name == name:
                axis = analysis.axes[names[a]]
                allowed = [n for n in allowed if axis.contains(n)]
        out[name] = allowed
    return out


def explain_failure(
    net: Network,
    targets: list[Target],
    exact: bool,
    failures: Any,
    refs: Mapping[str, Any] | None = None,
    *,
    budget: Budget | None = None,
) -> str:
    """Why no assignment works, in words and numbers (within what is left of
    ``budget``: a reason found in part says so)."""
    budget = budget.child("explain") if budget is not None else Budget(task="explain")
    vars = collect_vars(net, refs)
    names = axis_names(net.rank)
    if not vars:
        result = infer(net)
        if not result.ok:
            error = result.first_error
            assert error is not None
            return f"the network fails at layer '{error.name}': {error.error}"
        tensors = result.sizes
        misses = []
        for t in targets:
            have, want = target_sizes(t, net, tensors)
            axes = t.axes if t.axes is not None else tuple(range(net.rank))
            for a, got, expected in zip(axes, have, want, strict=True):
                if not t.holds(got, expected):
                    wanted = f"is {expected}" if t.op == "==" else f"{t} wants {t.wants()}"
                    misses.append(
                        f"{resolve_name(t.left, net)} is {got} on axis {names[a]}, the target "
                        f"{wanted}; the sizes run {_chain(net, result, a)}"
                    )
                    break
        if exact and not misses:
            return "the network drops pixels to the floor somewhere (not exact)"
        return "; ".join(misses) + ". Make a field unknown (--unknown LAYER.FIELD) to search"
    # With unknowns: first, is there any assignment at all without the targets?
    try:
        free = search(net, [], exact=exact, refs=refs, limit=400, budget=budget)
    except SolveError:
        return "no assignment meets every target: " + describe_failures(failures)
    if free.complete and not free.solutions:
        return (
            "no assignment of "
            + ", ".join(_domain_text(v) for v in vars.values())
            + " gives a valid network: "
            + describe_failures(failures or free.failures)
        )
    parts = []
    alone = []
    for t in targets:
        part = _reachable(net, t, free.solutions, names, free.complete, budget)
        if part:
            parts.append(part)
        else:
            alone.append(str(t))
    if parts:
        return "; ".join(parts)
    if len(targets) > 1:
        return (
            f"each target is met by some assignment ({', '.join(alone)}), but none meets "
            "them together" + (": " + describe_failures(failures) if failures else "")
        )
    return "no assignment meets every target together: " + describe_failures(failures)


def _domain_text(v: Any) -> str:
    if v.domain and isinstance(v.domain[0], int) and not isinstance(v.domain[0], bool):
        return f"{v.name} in {v.domain[0]}..{v.domain[-1]}"
    return f"{v.name} in {{{', '.join(map(str, v.domain))}}}"


def _chain(net: Network, result: Any, axis: int) -> str:
    """``28 -> 14 -> 7 -> 4 -> 8 -> 16 -> 32`` along the network, skipping repeats."""
    sizes = [result.input_spatial[axis]]
    for layer in result.layers:
        if layer.spatial and layer.spatial[axis] != sizes[-1]:
            sizes.append(layer.spatial[axis])
    return " -> ".join(render(s) for s in sizes)


def _reachable(
    net: Network,
    t: Target,
    samples: list[Assignment],
    names: tuple[str, ...],
    complete: bool,
    budget: Budget,
) -> str:
    """What ``t``'s left side can be over ``samples``, when none of them meets ``t``
    (empty when one does: the target can be met alone)."""
    left = resolve_name(t.left, net)
    seen: dict[Any, dict[str, Any]] = {}
    for s in samples:
        if budget.check():
            complete = False
            break
        result = infer_assigned(net, s.values)
        have, other = target_sizes(t, net, result.sizes)
        if all(t.holds(h, o) for h, o in zip(have, other, strict=True)):
            return ""
        value: Any = (have, other) if isinstance(t.right, str) else have
        seen.setdefault(value, s.values)
    if not seen:
        return ""
    qualifier = "" if complete else " (of those sampled)"
    if isinstance(t.right, str):
        pairs = sorted(seen, key=lambda p: sum(abs(a - b) for a, b in zip(*p, strict=True)))
        best = pairs[0]
        return (
            f"no assignment makes {left} equal {resolve_name(t.right, net)}{qualifier}; closest: "
            f"{list(best[0])} vs {list(best[1])} with {_values(seen[best])}"
        )
    values = sorted(seen)
    reach = ", ".join(str(list(v)) if len(set(v)) > 1 else str(v[0]) for v in values[:12])
    if len(values) > 12:
        reach += ", ..."
    flat_want = t.right[0] if len(set(t.right)) == 1 and t.op == "==" else None
    below = [v for v in values if flat_want is not None and v[0] < flat_want]
    above = [v for v in values if flat_want is not None and v[0] > flat_want]
    nearest = []
    if below:
        nearest.append(f"{below[-1][0]} ({_values(seen[below[-1]])})")
    if above:
        nearest.append(f"{above[0][0]} ({_values(seen[above[0]])})")
    text = f"{left} can be {reach}{qualifier}; {t.wants()} is not reachable"
    if nearest:
        text += ". Nearest: " + ", ".join(nearest)
    return text


def _values(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())
