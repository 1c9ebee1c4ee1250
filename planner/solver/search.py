"""Exact search for every assignment of the unknowns that meets the targets.

Two exact searches share the same steps: every transition is a real forward step
through the framework's dialect, so refusals, merges, targets and exactness are
checked with the same arithmetic as ``planner show``.

- Variable elimination (:func:`_eliminate`, the default): the tensors' shapes and the
  unknowns are variables, each layer one table over its inputs, unknowns and output,
  each target one table over the tensors it compares (see
  :mod:`planner.solver.factors`). Nested blocks (U-Net levels, mirrored unknowns) are
  solved inside out, so the work grows polynomially with the depth.
- The walk in layer order (a dynamic programme), for merges whose input shapes move
  together (one unknown input size drives them all), where elimination would pair
  every shape of one input with every shape of the other. A *state* after layer
  ``i`` is what the rest of the network can still see: the shapes of the tensors
  used later and the values of unknowns used again later. Partial assignments that
  reach the same state have the same completions, so they are merged.

Both count exactly and list solutions in cost order (A* with an exact estimate of
the best completion). Each solution is verified by a full forward inference before it
is returned.
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from planner.budget import Budget
from planner.dialects import get_dialect
from planner.errors import PlannerError, SolveError
from planner.shapes import Tensor, apply_layer, axis_names, infer, input_tensor
from planner.solver.exact import dropped_pixels
from planner.solver.factors import Factor, Stopped, best_first, eliminate, support
from planner.solver.problem import (
    DEFAULT,
    DEFAULT_BOUNDS,
    NATURAL,
    Target,
    Var,
    assign,
    resolve_name,
    target_holds,
)
from planner.spec.network import Network
from planner.spec.values import Unknown, leaves
from planner.symbolic.ops import no_formulas, render

# Cost weights (documented in docs/solver.md): fewest layers changed first (against
# the values they had), then the smallest change (sum of squared steps from the old
# value, or from the do-nothing value), then symmetric padding before asymmetric, no
# cropping before cropping.
W_LAYER = 1000
W_CHANGE = 10
W_ASYM = 5
W_CROP = 3


@dataclass
class Assignment:
    """One solution: a value per unknown, its cost, and the shapes it gives."""

    values: dict[str, Any]
    cost: int
    output_shape: tuple[Any, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "values": {k: v for k, v in self.values.items()},
            "cost": self.cost,
            "output_shape": list(self.output_shape) if self.output_shape is not None else None,
        }


@dataclass
class SearchResult:
    solutions: list[Assignment]
    total: int
    complete: bool
    reason: str | None
    states: int = 0
    seconds: float = 0.0
    failures: Counter[str] = field(default_factory=Counter)


def collect_vars(
    net: Network,
    refs: Mapping[str, Any] | None = None,
    domains: Mapping[str, Sequence[Any]] | None = None,
) -> dict[str, Var]:
    """Every unknown of ``net`` with its domain, the layers using it and its reference.

    ``domains`` replaces the domain of some unknowns (already narrowed elsewhere).
    """
    found: dict[str, Var] = {}
    refs = refs or {}
    domains = domains or {}

    def add(u: Unknown, index: int, fld: str) -> None:
        var = found.get(u.name)
        if var is None:
            ref = refs.get(u.name, u.ref)
            if u.choices is not None:
                domain: list[Any] = list(u.choices)
                natural = domain[0]
            else:
                lo_d, hi_d = DEFAULT_BOUNDS.get(fld, (0, 16))
                lo = u.min if u.min is not None else lo_d
                hi = u.max if u.max is not None else hi_d
                # A range, never a list: a bound of 10**18 costs nothing until searched.
                domain = range(lo, hi + 1)
                natural = NATURAL.get(fld)
            if u.name in domains:
                domain = domains[u.name]
            var = Var(u.name, domain, ref, fld, natural)
            found[u.name] = var
        if index not in var.layers:
            var.layers.append(index)

    for d in net.input_shape:
        if isinstance(d, Unknown):
            add(d, -1, "input")
    for i, layer in enumerate(net.layers):
        for fld in type(layer).model_fields:
            kind = "zero_padding" if layer.type == "zero_padding" and fld == "padding" else fld
            for value in leaves(getattr(layer, fld)):
                if isinstance(value, Unknown):
                    add(value, i, kind)
    return found


@dataclass
class _Plan:
    """Precomputed bookkeeping for the walk."""

    net: Network
    vars: dict[str, Var]
    targets: list[Target]
    exact: bool
    index: dict[str, int]  # tensor name -> producing layer index (-1 input)
    new_vars: list[list[str]]  # per layer (index + 1; 0 is the input)
    live_tensors: list[tuple[str, ...]]  # after layer i (index + 1)
    live_vars: list[tuple[str, ...]]
    checks: list[list[Target]]  # targets decidable right after layer i (index + 1)


def _plan(net: Network, vars: dict[str, Var], targets: list[Target], exact: bool) -> _Plan:
    n = len(net.layers)
    index = {net.input_name: -1}
    for i, layer in enumerate(net.layers):
        index[layer.name] = i  # type: ignore[index]
    last_use: dict[str, int] = {}
    for i, layer in enumerate(net.layers):
        for t in layer.sources:
            last_use[t] = max(last_use.get(t, -1), i)
    checks: list[list[Target]] = [[] for _ in range(n + 1)]
    for t in targets:
        left = resolve_name(t.left, net)
        at = index[left]
        if isinstance(t.right, str):
            right = resolve_name(t.right, net)
            at = max(at, index[right])
            last_use[right] = max(last_use.get(right, -1), at)
        last_use[left] = max(last_use.get(left, -1), at)
        checks[at + 1].append(t)
    live_tensors = []
    live_vars = []
    names = [net.input_name, *net.layer_names]
    for step in range(n + 1):
        i = step - 1
        live_tensors.append(tuple(t for t in names[: step + 1] if last_use.get(t, -1) > i))
        live_vars.append(tuple(v for v, var in vars.items() if var.first <= i < var.last))
    new_vars: list[list[str]] = [[] for _ in range(n + 1)]
    for name, var in vars.items():
        new_vars[var.first + 1].append(name)
    return _Plan(net, vars, targets, exact, index, new_vars, live_tensors, live_vars, checks)


def _target_holds(t: Target, net: Network, tensors: Mapping[str, Tensor]) -> bool:
    return target_holds(t, net, {name: tensor.spatial for name, tensor in tensors.items()})


def layer_cost(net: Network, i: int, vars: dict[str, Var], values: Mapping[str, Any]) -> int:
    """The cost of layer ``i`` (or the input, ``i == -1``) under ``values``."""
    used = [v for v in vars.values() if i in v.layers]
    if not used:
        return 0
    change = 0
    changed = False
    for v in used:
        value = values[v.name]
        base = v.ref if v.ref is not None else v.natural
        if base is None:
            continue
        if isinstance(value, int) and not isinstance(value, bool) and isinstance(base, int):
            delta = abs(value - base)
        else:
            delta = int(value != base)
        # Squares prefer several small changes to one large one (p=1,1,1 over 0,0,3).
        change += delta * delta
        # A layer counts as changed only against a value it really had.
        changed |= delta != 0 and v.ref is not None
    cost = W_CHANGE * change + (W_LAYER if changed else 0)
    if i >= 0:
        layer = net.layers[i]
        pads = getattr(layer, "padding", None)
        if layer.type != "zero_padding" and isinstance(pads, tuple):
            for before, after in pads:
                b = values.get(before.name) if isinstance(before, Unknown) else before
                a = values.get(after.name) if isinstance(after, Unknown) else after
                if b != a:
                    cost += W_ASYM
                    break
        if layer.type == "cropping":
            crops = [
                values.get(c.name) if isinstance(c, Unknown) else c
                for pair in layer.cropping
                for c in pair
            ]
            if any(c for c in crops):
                cost += W_CROP
    return cost


# Work the walk can do per second on one core (transitions, measured on the presets,
# conservatively): a step whose combinations alone exceed many budgets' worth is
# refused at once instead of started.
STEPS_PER_SECOND = 50_000
# Estimated bytes per kept state and per kept edge (dicts of tensors, tuples, ints).
STATE_BYTES = 600
EDGE_BYTES = 200


def search(
    net: Network,
    targets: list[Target],
    *,
    exact: bool = False,
    refs: Mapping[str, Any] | None = None,
    domains: Mapping[str, Sequence[Any]] | None = None,
    limit: int | None = 20,
    time_budget: float = 10.0,
    max_states: int = 2_000_000,
    budget: Budget | None = None,
) -> SearchResult:
    """Every assignment of ``net``'s unknowns meeting ``targets``, best ``limit`` first.

    ``budget`` (else one of ``time_budget`` seconds) bounds the walk in time and
    memory, and reports progress. Raises ``SolveError`` at once, before any work,
    when one layer alone has more combinations of values than the budget could try.
    """
    if budget is None:
        budget = Budget(task="solve", seconds=time_budget, max_states=max_states)
    with no_formulas():
        return _search(
            net,
            targets,
            exact=exact,
            refs=refs,
            domains=domains,
            limit=limit,
            budget=budget,
        )


def refuse_huge(vars: Mapping[str, Var], plan: _Plan, budget: Budget, net: Network) -> None:
    """Refuse a search whose single step has far more combinations than fit the budget,
    naming the largest range that would be searched."""
    affordable = max(1000, int(STEPS_PER_SECOND * budget.seconds * 4))
    for step, names in enumerate(plan.new_vars):
        combos = math.prod(vars[v].size for v in names)
        if combos <= affordable:
            continue
        largest = max(names, key=lambda v: vars[v].size)
        var = vars[largest]
        where = "the input" if step == 0 else f"layer '{net.layers[step - 1].name}'"
        raise SolveError(
            f"the search would try {combos:,} combinations of values at {where}, "
            f"{_domain_words(var)} being the largest range; about {affordable:,} fit in "
            f"{budget.seconds:g} s. Narrow it (e.g. {largest}=LO..HI with at most "
            f"{affordable:,} values), or make the input size the only unknown, which is "
            "answered in closed form",
            field=largest,
        )


def _domain_words(var: Var) -> str:
    d = var.domain
    if isinstance(d, range):
        return f"{var.name} in {d.start}..{d.stop - 1} ({len(d):,} values)"
    return f"{var.name} ({len(d):,} choices)"


def _search(
    net: Network,
    targets: list[Target],
    *,
    exact: bool,
    refs: Mapping[str, Any] | None,
    domains: Mapping[str, Sequence[Any]] | None,
    limit: int | None,
    budget: Budget,
) -> SearchResult:
    started = time.perf_counter()
    vars = collect_vars(net, refs, domains)
    plan = _plan(net, vars, targets, exact)
    refuse_huge(vars, plan, budget, net)
    tables = _eliminate(net, plan, limit, budget, started)
    if tables is not None:
        return tables
    # Per layer: (field, unknown) pairs that may take the "default" choice.
    defaults = [
        [
            (f, v.name)
            for f in type(layer).model_fields
            for v in {x for x in leaves(getattr(layer, f)) if isinstance(x, Unknown)}
            if DEFAULT in vars[v.name].domain
        ]
        for layer in net.layers
    ]
    dialect = get_dialect(net.framework)
    names = axis_names(net.rank)
    failures: Counter[str] = Counter()
    # Layer steps: 0 is the input, i + 1 is layer i. Per step: incoming edges of each
    # state, best prefix cost and number of paths.
    edges: list[dict[Any, list[tuple[Any, dict[str, Any], int]]]] = []
    best: list[dict[Any, int]] = []
    count: list[dict[Any, int]] = []
    frontier: dict[Any, tuple[dict[str, Tensor], dict[str, Any]]] = {}
    total_states = 0
    total_edges = 0

    def combos_of(step: int) -> Iterator[dict[str, Any]]:
        """The new unknowns' value combinations at ``step``, lazily."""
        dom = [(v, vars[v].domain) for v in plan.new_vars[step]]
        for cv in itertools.product(*[d for _, d in dom]):
            yield {name: v for (name, _), v in zip(dom, cv, strict=True)}

    def close(
        step: int,
        key: Any,
        prev: Any,
        combo: dict[str, Any],
        cost: int,
        tensors: dict[str, Tensor],
        values: dict[str, Any],
        prev_best: int,
        prev_count: int,
        new_frontier: dict[Any, Any],
    ) -> None:
        nonlocal total_edges
        step_edges = edges[step]
        if key not in new_frontier:
            live_t = {t: tensors[t] for t in plan.live_tensors[step]}
            live_v = {v: values[v] for v in plan.live_vars[step]}
            new_frontier[key] = (live_t, live_v)
            step_edges[key] = []
            best[step][key] = prev_best + cost
            count[step][key] = prev_count
        else:
            best[step][key] = min(best[step][key], prev_best + cost)
            count[step][key] += prev_count
        step_edges[key].append((prev, combo, cost))
        total_edges += 1

    def state_key(step: int, tensors: Mapping[str, Tensor], values: Mapping[str, Any]) -> Any:
        return (
            tuple(tensors[t].dims for t in plan.live_tensors[step]),
            tuple(values[v] for v in plan.live_vars[step]),
        )

    def over_memory(new: int) -> bool:
        states = total_states + new
        return budget.over_memory(states, states * STATE_BYTES + total_edges * EDGE_BYTES)

    stopped: str | None = None
    where = "the input"

    # Step 0: the input.
    edges.append({})
    best.append({})
    count.append({})
    new_frontier: dict[Any, Any] = {}
    for combo in combos_of(0):
        if budget.check() or over_memory(len(new_frontier)):
            stopped = budget.stopped or "memory"
            break
        x = _input_checked(net, combo, failures)
        if x is None:
            continue
        tensors = {net.input_name: x}
        if not all(_target_holds(t, net, tensors) for t in plan.checks[0]):
            failures["input misses a target"] += 1
            continue
        key = state_key(0, tensors, combo)
        close(
            0,
            key,
            None,
            combo,
            layer_cost(net, -1, vars, combo),
            tensors,
            combo,
            0,
            1,
            new_frontier,
        )
    frontier = new_frontier
    total_states += len(frontier)

    steps_done = 0
    for i, layer in enumerate(net.layers):
        if stopped:
            break
        step = i + 1
        where = f"layer '{layer.name}' ({step} of {len(net.layers)})"
        edges.append({})
        best.append({})
        count.append({})
        new_frontier = {}
        budget.report(i, len(net.layers), f"layer '{layer.name}', {len(frontier):,} states")
        for key, (tensors, values) in frontier.items():
            if stopped:
                break
            prev_best = best[step - 1][key]
            prev_count = count[step - 1][key]
            ins = [tensors[t] for t in layer.sources]
            for combo in combos_of(step):
                if budget.check() or over_memory(len(new_frontier)):
                    stopped = budget.stopped or "memory"
                    break
                vals = {**values, **combo} if combo else values
                used = _with_defaults(layer, defaults[i], vals)
                out = _apply_checked(used, ins, dialect, vals, names, plan.exact, failures)
                if out is None:
                    continue
                tensors2 = dict(tensors)
                tensors2[layer.name] = out  # type: ignore[index]
                if not all(_target_holds(t, net, tensors2) for t in plan.checks[step]):
                    failures[
                        f"{layer.name}: misses target "
                        + ", ".join(str(t) for t in plan.checks[step])
                    ] += 1
                    continue
                cost = layer_cost(net, i, vars, vals)
                key2 = state_key(step, tensors2, vals)
                close(
                    step,
                    key2,
                    key,
                    combo,
                    cost,
                    tensors2,
                    vals,
                    prev_best,
                    prev_count,
                    new_frontier,
                )
        frontier = new_frontier
        total_states += len(frontier)
        if not stopped:
            steps_done = step
            stopped = budget.check(force=True)
        if not frontier and not stopped:
            break

    last = len(net.layers)
    budget.report(steps_done, len(net.layers), "walked", final=True)

    if stopped:
        return _incomplete(
            stopped, 0, f"{where}, {total_states:,} states", budget, started, total_states, failures
        )
    if not frontier or len(edges) <= last:
        return SearchResult(
            [], 0, True, None, total_states, time.perf_counter() - started, failures
        )
    total = sum(count[last].values())
    solutions = _k_best(edges, best, last, limit, vars, budget)
    return _finish(net, plan, solutions, total, budget, started, total_states, failures)


# A merge whose inputs, each taken over all its shapes, make more combinations than
# this takes only the combinations that some assignment reaches (computed from the
# tables so far); when even those are more than MERGE_COMBINATIONS, the walk in layer
# order answers instead.
MERGE_DIRECT = 2_000
MERGE_COMBINATIONS = 200_000
# Estimated bytes per row of a table (a tuple of a few values and a pair of ints).
ROW_BYTES = 300


def _eliminate(
    net: Network, plan: _Plan, limit: int | None, budget: Budget, started: float
) -> SearchResult | None:
    """The search as variable elimination (:mod:`planner.solver.factors`).

    Variables are the tensors (their shapes) and the unknowns. Each layer is one table
    over its input tensors, its unknowns and its output tensor: every combination of
    the inputs' shapes that reach it and of its unknowns' values, run through the
    framework's arithmetic, with the shape it gives and the layer's cost; a target is
    a table over the tensors it compares. Eliminating the variables counts every
    solution and lists them best first. Returns None when a merge would have too many
    combinations of input shapes (the walk then answers).
    """
    vars = plan.vars
    n = len(net.layers)
    dialect = get_dialect(net.framework)
    names = axis_names(net.rank)
    failures: Counter[str] = Counter()
    tensor_id = {name: i for i, name in enumerate([net.input_name, *net.layer_names])}
    var_id = {name: n + 1 + j for j, name in enumerate(vars)}
    # Per tensor: every shape it can take (dims -> Tensor).
    shapes: list[dict[Any, Tensor]] = []
    factors: list[Factor] = []
    # Targets over one tensor are checked where it is made, the others get a table.
    own: list[list[Target]] = [[] for _ in range(n + 1)]
    pairs: list[tuple[Target, int, int]] = []
    for t in plan.targets:
        left = tensor_id[resolve_name(t.left, net)]
        right = tensor_id[resolve_name(t.right, net)] if isinstance(t.right, str) else left
        if left == right:
            own[left].append(t)
        else:
            pairs.append((t, min(left, right), max(left, right)))
    rows = 0
    stopped: str | None = None
    where = "the input"

    def stop() -> bool:
        return budget.check() is not None or budget.over_memory(rows, rows * ROW_BYTES)

    def sizes_of() -> dict[int, int]:
        sizes = {t: len(m) for t, m in enumerate(shapes)}
        sizes.update({var_id[v]: var.size for v, var in vars.items()})
        return sizes

    def holds(step: int, tensor: Tensor) -> bool:
        if not own[step]:
            return True
        name = net.input_name if step == 0 else net.layers[step - 1].name
        return all(_target_holds(t, net, {name: tensor}) for t in own[step])

    try:
        # The input: its unknowns -> its shape.
        mine = [v for v, var in vars.items() if -1 in var.layers]
        table: dict[tuple[Any, ...], tuple[int, int]] = {}
        made: dict[Any, Tensor] = {}
        for combo_values in itertools.product(*[vars[v].domain for v in mine]):
            if stop():
                raise Stopped(budget.stopped or "memory")
            combo = dict(zip(mine, combo_values, strict=True))
            x = _input_checked(net, combo, failures)
            if x is None:
                continue
            if not holds(0, x):
                failures["input misses a target"] += 1
                continue
            made.setdefault(x.dims, x)
            table[(*combo_values, x.dims)] = (1, layer_cost(net, -1, vars, combo))
            rows += 1
        shapes.append(made)
        factors.append(Factor((*[var_id[v] for v in mine], 0), table))
        for i, layer in enumerate(net.layers):
            step = i + 1
            where = f"layer '{layer.name}' ({step} of {n})"
            budget.report(i, n, f"layer '{layer.name}', {rows:,} rows")
            ins = list(dict.fromkeys(layer.sources))  # inputs, then crop_to's reference
            in_ids = [tensor_id[t] for t in ins]
            mine = [v for v, var in vars.items() if i in var.layers]
            choices: Iterable[tuple[Tensor, ...]] = itertools.product(
                *[list(shapes[t].values()) for t in in_ids]
            )
            if len(in_ids) > 1 and math.prod(len(shapes[t]) for t in in_ids) > MERGE_DIRECT:
                # Only the combinations of input shapes that some assignment reaches
                # (their shapes may move together: one unknown input size drives all).
                joint = support(factors, sizes_of(), in_ids, stop)
                if joint is not None:
                    if len(joint) > MERGE_COMBINATIONS:
                        return None
                    choices = [
                        tuple(shapes[t][d] for t, d in zip(in_ids, dims, strict=True))
                        for dims in joint
                    ]
            defaults_i = [
                (f, v.name)
                for f in type(layer).model_fields
                for v in {x for x in leaves(getattr(layer, f)) if isinstance(x, Unknown)}
                if DEFAULT in vars[v.name].domain
            ]
            costs: dict[tuple[Any, ...], int] = {}
            table = {}
            made = {}
            for tensors in choices:
                by_name = dict(zip(ins, tensors, strict=True))
                inputs = [by_name[t] for t in layer.sources]
                for combo_values in itertools.product(*[vars[v].domain for v in mine]):
                    if stop():
                        raise Stopped(budget.stopped or "memory")
                    vals = dict(zip(mine, combo_values, strict=True))
                    used = _with_defaults(layer, defaults_i, vals)
                    out = _apply_checked(used, inputs, dialect, vals, names, plan.exact, failures)
                    if out is None:
                        continue
                    if not holds(step, out):
                        failures[
                            f"{layer.name}: misses target " + ", ".join(map(str, own[step]))
                        ] += 1
                        continue
                    cost = costs.get(combo_values)
                    if cost is None:
                        cost = costs[combo_values] = layer_cost(net, i, vars, vals)
                    made.setdefault(out.dims, out)
                    key = (*(x.dims for x in tensors), *combo_values, out.dims)
                    table[key] = (1, cost)
                    rows += 1
            shapes.append(made)
            factors.append(Factor((*in_ids, *[var_id[v] for v in mine], step), table))
            if not made:  # no shape gets past this layer: no solution
                budget.report(n, n, "walked", final=True)
                return SearchResult([], 0, True, None, rows, budget.elapsed, failures)
        for t, a, b in pairs:
            table = {}
            name_a = net.input_name if a == 0 else net.layers[a - 1].name
            name_b = net.input_name if b == 0 else net.layers[b - 1].name
            pairs_of: Iterable[tuple[Tensor, Tensor]] = itertools.product(
                shapes[a].values(), shapes[b].values()
            )
            if len(shapes[a]) * len(shapes[b]) > MERGE_DIRECT:
                joint = support(factors, sizes_of(), [a, b], stop)
                if joint is not None:
                    pairs_of = [(shapes[a][da], shapes[b][db]) for da, db in joint]
            for xa, xb in pairs_of:
                if stop():
                    raise Stopped(budget.stopped or "memory")
                if _target_holds(t, net, {name_a: xa, name_b: xb}):
                    table[(xa.dims, xb.dims)] = (1, 0)
                    rows += 1
                else:
                    failures[f"{name_b}: misses target {t}"] += 1
            factors.append(Factor((a, b), table))
        where = f"every layer ({rows:,} rows), while combining them"
        budget.report(n, n, "combining the layers")
        sizes = {i: max(1, len(m)) for i, m in enumerate(shapes)}
        sizes.update({var_id[v]: max(1, var.size) for v, var in vars.items()})

        def on_rows(kept: int) -> bool:
            return budget.over_memory(rows + kept, (rows + kept) * ROW_BYTES)

        elim = eliminate(factors, sizes, stop, on_rows=on_rows)
        rows += elim.rows
    except Stopped:
        stopped = budget.stopped or "memory"
    budget.report(n, n, "walked", final=True)
    if stopped:
        return _incomplete(stopped, 0, f"{where}, {rows:,} rows", budget, started, rows, failures)
    total = elim.count
    if not total:
        return SearchResult([], 0, True, None, rows, time.perf_counter() - started, failures)
    unknown_at = [(name, var_id[name]) for name in vars]
    if limit is None:
        # Every solution: each is verified as it comes, in cost order, so that a budget
        # that runs out leaves those verified so far and nothing unbounded is kept.
        def every() -> Iterator[tuple[dict[str, Any], int]]:
            try:
                for values, cost in best_first(elim, lambda: budget.check() is not None):
                    yield {name: values[i] for name, i in unknown_at}, cost
            except Stopped:
                return

        return _finish(net, plan, every(), total, budget, started, rows, failures)
    found: list[tuple[dict[str, Any], int]] = []
    tie_cap = max(10 * limit, 200)
    try:
        for values, cost in best_first(elim, lambda: budget.check() is not None):
            # Past the limit, take only the solutions tied with the last one, so that
            # the cut below is made in a deterministic order.
            if len(found) >= limit and (cost > found[-1][1] or len(found) >= tie_cap):
                break
            found.append(({name: values[i] for name, i in unknown_at}, cost))
    except Stopped:
        pass
    return _finish(net, plan, _ranked(found)[:limit], total, budget, started, rows, failures)


def _ranked(solutions: list[tuple[dict[str, Any], int]]) -> list[tuple[dict[str, Any], int]]:
    """``solutions`` by cost, ties in the order of their values (deterministic)."""
    return sorted(solutions, key=lambda item: _rank(*item))


def _rank(values: Mapping[str, Any], cost: int) -> tuple[int, list[tuple[int, Any]]]:
    return cost, [_order(v) for v in values.values()]


def _incomplete(
    why: str,
    found: int,
    checked: str,
    budget: Budget,
    started: float,
    states: int,
    failures: Counter[str],
) -> SearchResult:
    elapsed = time.perf_counter() - started
    if why == "cancelled":
        head = f"cancelled after {elapsed:.1f} s"
    elif why == "memory":
        head = (
            f"incomplete: the memory bound ({budget.max_states:,} states or "
            f"{budget.max_bytes / 2**20:,.0f} MiB) was reached after {elapsed:.1f} s"
        )
    else:
        head = f"incomplete: the time budget ({budget.seconds:g} s) ran out"
    return SearchResult(
        [],
        found,
        False,
        f"{head}; {found} solution{'s' if found != 1 else ''} found, checked up to "
        f"{checked}; no other answer is claimed. Narrow the bounds of the unknowns "
        "(LAYER.FIELD=LO..HI) or give more time",
        states,
        elapsed,
        failures,
    )


def _finish(
    net: Network,
    plan: _Plan,
    solutions: Iterable[tuple[dict[str, Any], int]],
    total: int,
    budget: Budget,
    started: float,
    states: int,
    failures: Counter[str],
) -> SearchResult:
    """Verify ``solutions`` (a ranked list, or every solution as the search lists
    them) by full inference, within the budget; those verified come back ranked."""
    verified = []
    for values, cost in solutions:
        if budget.check(force=True):
            break
        ok, shape = verify(net, values, plan.targets, plan.exact)
        if not ok:  # pragma: no cover - the walk and inference share the arithmetic
            raise AssertionError(f"solver produced an unverified solution {values}")
        verified.append(Assignment(values, cost, shape))
    verified.sort(key=lambda a: _rank(a.values, a.cost))
    if budget.stopped:
        result = _incomplete(
            budget.stopped,
            len(verified),
            f"every layer ({total:,} solutions counted)",
            budget,
            started,
            states,
            failures,
        )
        result.solutions = verified
        result.total = total
        result.reason = (result.reason or "").replace(
            "no other answer is claimed", "the ranking of the rest was not finished"
        )
        return result
    return SearchResult(
        verified, total, True, None, states, time.perf_counter() - started, failures
    )


def _input_checked(
    net: Network, values: Mapping[str, Any], failures: Counter[str]
) -> Tensor | None:
    """The input tensor for these values, or None with the reason counted."""
    try:
        x = input_tensor(net, values)
    except PlannerError as exc:
        failures[f"input: {exc.message}"] += 1
        return None
    if any(isinstance(d, int) and d < 1 for d in x.dims):
        failures["input: a size below 1"] += 1
        return None
    return x


def _apply_checked(
    layer: Any,
    inputs: list[Tensor],
    dialect: Any,
    values: Mapping[str, Any],
    names: Any,
    exact: bool,
    failures: Counter[str],
) -> Tensor | None:
    """``layer``'s output for these values, or None with the reason counted in
    ``failures`` (the framework refuses it; with ``exact``, it drops pixels)."""
    try:
        out, result = apply_layer(layer, inputs, dialect, values, names)
    except PlannerError as exc:
        failures[f"{layer.name}: {exc.message}"] += 1
        return None
    if exact and any(
        d > 0 for d in dropped_pixels(layer, dialect, values, inputs[0].spatial, result)
    ):
        failures[f"{layer.name}: drops pixels (not exact)"] += 1
        return None
    return out


def _with_defaults(layer: Any, fields: list[tuple[str, str]], values: Mapping[str, Any]) -> Any:
    """``layer`` with every field whose unknown chose ``"default"`` unset."""
    unset = {f: None for f, name in fields if values.get(name) == DEFAULT}
    return layer.model_copy(update=unset) if unset else layer


def _k_best(
    edges: list[dict[Any, list[tuple[Any, dict[str, Any], int]]]],
    best: list[dict[Any, int]],
    last: int,
    limit: int | None,
    vars: dict[str, Var],
    budget: Budget | None = None,
) -> list[tuple[dict[str, Any], int]]:
    """Complete paths in increasing cost, walking backwards from the last step.

    Priority = cost of the suffix so far + best cost of reaching the current state,
    an exact heuristic, so paths pop in exact cost order. Among equal priorities the
    deepest partial path pops first (depth first): with millions of tied solutions a
    first-in-first-out order would grow every tied path at once.
    """
    tie = itertools.count()
    heap: list[Any] = []
    for key, b in best[last].items():
        heapq.heappush(heap, (b, last, next(tie), 0, key, ()))
    out: list[tuple[dict[str, Any], int]] = []
    # Past the limit, keep taking solutions tied with the last one, so that the cut
    # below is made in a deterministic order and not in the heap's.
    # Ties are gathered up to a bound: beyond it the cut is made in heap order.
    tie_cap = None if limit is None else max(10 * limit, 200)
    while heap and (
        limit is None
        or len(out) < limit
        or (out and heap[0][0] <= out[-1][1] and len(out) < tie_cap)  # type: ignore[operator]
    ):
        if budget is not None and budget.check():
            break
        _prio, step, _, suffix, key, combos = heapq.heappop(heap)
        if step < 0:
            values: dict[str, Any] = {}
            for combo in combos:
                values.update(combo)
            ordered = {name: values[name] for name in vars if name in values}
            out.append((ordered, suffix))
            continue
        for prev, combo, cost in edges[step][key]:
            prev_best = best[step - 1][prev] if step > 0 else 0
            heapq.heappush(
                heap,
                (
                    suffix + cost + prev_best,
                    step - 1,
                    next(tie),
                    suffix + cost,
                    prev,
                    (*combos, combo),
                ),
            )
    return _ranked(out)[:limit]


def _order(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int) else (1, str(value))


def infer_assigned(net: Network, values: Mapping[str, Any]) -> Any:
    """Forward inference with the unknowns' values (``"default"`` unsets the field)."""
    if any(v == DEFAULT for v in values.values()):
        net = assign(net, {k: v for k, v in values.items() if v == DEFAULT})
        values = {k: v for k, v in values.items() if v != DEFAULT}
    return infer(net, values=values)


def verify(
    net: Network, values: Mapping[str, Any], targets: list[Target], exact: bool
) -> tuple[bool, tuple[Any, ...] | None]:
    """Check an assignment by a full forward inference (the solver's last word)."""
    result = infer_assigned(net, values)
    if not result.ok or result.conditions:
        return False, result.output_shape
    tensors = {net.input_name: Tensor(result.input_shape, net.channels_last)}
    for layer in result.layers:
        tensors[layer.name] = Tensor(layer.output_shape, net.channels_last)  # type: ignore[arg-type]
    if not all(_target_holds(t, net, tensors) for t in targets):
        return False, result.output_shape
    if exact:
        dialect = get_dialect(net.framework)
        for layer, res in zip(net.layers, result.layers, strict=True):
            ins = tensors[(layer.inputs or [net.input_name])[0]]
            if any(d > 0 for d in dropped_pixels(layer, dialect, values, ins.spatial, res)):
                return False, result.output_shape
    return True, result.output_shape


def describe_failures(failures: Counter[str], most: int = 3) -> str:
    """The most frequent refusals, each with how many of the tried values met it."""
    return "; ".join(
        f"{msg} (for {n:,} of the values tried)" if n > 1 else msg
        for msg, n in failures.most_common(most)
    )


__all__ = [
    "Assignment",
    "SearchResult",
    "collect_vars",
    "describe_failures",
    "infer_assigned",
    "render",
    "search",
    "verify",
]
