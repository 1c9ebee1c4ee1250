"""``planner.solve``: unknowns + targets -> every exact solution, ranked and verified.

When there is none, the result says why in words and numbers: which layer refuses
every assignment, or which sizes are reachable and the nearest to the target.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from planner.budget import Budget, CancelToken, ProgressCallback
from planner.errors import SolveError
from planner.shapes import axis_names, infer
from planner.solver.problem import (
    Target,
    assign,
    parse_target,
    resolve_name,
    target_sizes,
    with_unknowns,
)
from planner.solver.search import Assignment, collect_vars, describe_failures, search
from planner.spec.network import Network
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
            "solutions": [s.to_dict() for s in self.solutions],
            "seconds": round(self.seconds, 4),
        }


def solve(
    net: Network,
    targets: Sequence[str | Target] = (),
    *,
    unknowns: Sequence[str] = (),
    exact: bool = False,
    refs: Mapping[str, Any] | None = None,
    limit: int | None = 20,
    time_budget: float = 10.0,
    explain: bool = True,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> SolveResult:
    """Find every value of the network's unknowns that meets ``targets``.

    ``unknowns`` adds unknowns by ``LAYER.FIELD[=LO..HI]``; merges always have to
    align; ``exact`` also forbids dropping pixels to the floor. ``explain=False``
    skips the search for reasons when there is no solution (for callers that only
    want solutions). ``time_budget``, ``progress`` and ``cancel`` bound the search
    and report on it (see :mod:`planner.budget`).

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
    """
    started = time.perf_counter()
    net = with_unknowns(net, list(unknowns))
    parsed = [parse_target(t, net) for t in targets]
    vars = collect_vars(net, refs)
    info: dict[str, dict[str, Any]] = {
        name: (
            {"choices": list(v.domain), "ref": v.ref}
            if (v.domain and not isinstance(v.domain[0], int)) or isinstance(v.domain[0], bool)
            else {"min": v.domain[0], "max": v.domain[-1], "ref": v.ref}
        )
        if v.domain
        else {"min": None, "max": None, "ref": v.ref}
        for name, v in vars.items()
    }
    for name, v in vars.items():
        if not v.domain:
            raise SolveError(f"unknown '{name}' has an empty domain; check its min and max")
    domains = input_domains(net, vars, exact)
    budget = Budget(task="solve", seconds=time_budget, progress=progress, cancel=cancel)
    found = search(net, parsed, exact=exact, refs=refs, domains=domains, limit=limit, budget=budget)
    reason = found.reason
    if found.complete and not found.solutions:
        reason = (
            explain_failure(net, parsed, exact, found.failures, refs) if explain else "no solution"
        )
    return SolveResult(
        net,
        parsed,
        exact,
        info,
        found.complete,
        reason,
        found.total,
        found.solutions,
        time.perf_counter() - started,
    )


def input_domains(net: Network, vars: Mapping[str, Any], exact: bool) -> dict[str, list[int]]:
    """Narrow input-size unknowns to the sizes the closed form says are valid.

    Only when every other field is known: then the valid sizes are exact progressions
    (``valid_inputs``), and the search walks those sizes instead of the whole range.
    """
    if not vars or any(v.field != "input" for v in vars.values()):
        return {}
    from planner.solver.inputs import valid_inputs
    from planner.spec.values import Unknown

    analysis = valid_inputs(net, exact=exact)
    names = axis_names(net.rank)
    spatial = net.spatial_input
    out: dict[str, list[int]] = {}
    for name, var in vars.items():
        allowed = set(var.domain)
        for a, dim in enumerate(spatial):
            if isinstance(dim, Unknown) and dim.name == name:
                axis = analysis.axes[names[a]]
                allowed = {n for n in allowed if axis.contains(n)}
        out[name] = sorted(allowed)
    return out


def explain_failure(
    net: Network,
    targets: list[Target],
    exact: bool,
    failures: Any,
    refs: Mapping[str, Any] | None = None,
) -> str:
    """Why no assignment works, in words and numbers."""
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
                if got != expected:
                    misses.append(
                        f"{resolve_name(t.left, net)} is {got} on axis {names[a]}, the target "
                        f"is {expected}; the sizes run {_chain(net, result, a)}"
                    )
                    break
        if exact and not misses:
            return "the network drops pixels to the floor somewhere (not exact)"
        return "; ".join(misses) + ". Make a field unknown (--unknown LAYER.FIELD) to search"
    # With unknowns: first, is there any assignment at all without the targets?
    free = search(net, [], exact=exact, refs=refs, limit=400, time_budget=2.0)
    if free.complete and not free.solutions:
        return (
            "no assignment of "
            + ", ".join(_domain_text(v) for v in vars.values())
            + " gives a valid network: "
            + describe_failures(failures or free.failures)
        )
    parts = []
    for t in targets:
        parts.append(_reachable(net, t, free.solutions, names, free.complete))
    text = "; ".join(p for p in parts if p)
    return text or ("no assignment meets every target together: " + describe_failures(failures))


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
    net: Network, t: Target, samples: list[Assignment], names: tuple[str, ...], complete: bool
) -> str:
    left = resolve_name(t.left, net)
    seen: dict[Any, dict[str, Any]] = {}
    for s in samples:
        result = infer(net, values=s.values)
        have, other = target_sizes(t, net, result.sizes)
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
    want = t.right
    values = sorted(seen)
    reach = ", ".join(str(list(v)) if len(v) > 1 else str(v[0]) for v in values[:12])
    if len(values) > 12:
        reach += ", ..."
    target_text = ",".join(map(str, want))
    flat_want = want[0] if len(set(want)) == 1 else None
    below = [v for v in values if flat_want is not None and v[0] < flat_want]
    above = [v for v in values if flat_want is not None and v[0] > flat_want]
    nearest = []
    if below:
        nearest.append(f"{below[-1][0]} ({_values(seen[below[-1]])})")
    if above:
        nearest.append(f"{above[0][0]} ({_values(seen[above[0]])})")
    text = f"{left} can be {reach}{qualifier}; {target_text} is not reachable"
    if nearest:
        text += ". Nearest: " + ", ".join(nearest)
    return text


def _values(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())
