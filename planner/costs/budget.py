"""Budgets: the input sizes or field values whose cost or reach meets a target.

Metric targets read like size targets: ``memory<=8GiB``, ``peak<=2GB``,
``macs<=50G``, ``flops<1e12``, ``params<=100MB``, ``rf>=input``, ``rf>=128``,
``rf.H>=64``. Sizes take ``B``, ``KB``/``MB``/``GB``/``TB`` (powers of 1000) or
``KiB``/``MiB``/``GiB``/``TiB`` (powers of 1024); counts take ``k``, ``M``, ``G``,
``T`` or an exponent. ``memory`` is ``activation_bytes`` (every output kept, as in
training), ``peak`` the forward peak, both for the dtype and batch asked.

How the answers are found, through the existing machinery:

- **Input sizes unknown** (``-u input=LO..HI``): ``planner.valid_inputs`` gives the
  valid sizes in closed form (arithmetic progressions). Along one progression every
  layer's size is a non-decreasing function of the input size (floors and ceilings
  of increasing affine maps, constant crops), so memory, MACs and FLOPs never
  decrease: the sizes meeting ``<=`` budgets are a prefix, found by bisection. The
  receptive field depends on the size only through its residue modulo the
  progression's step, so it is one number per progression. Each answer is checked
  by forward inference.
- **Fields unknown** (``-u conv1.kernel_size=1..9``): ``planner.solve`` lists every
  assignment meeting the size targets, in its ranking; each is inferred and kept
  when its metrics meet the metric targets.

>>> import planner
>>> answer = solve_budget(planner.load("unet-original"), ["memory<=1GiB"],
...                       unknowns=["input=188..1200"], batch=2)
>>> answer.largest["input"], answer.smallest["input"], answer.count
(476, 188, 19)
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from planner.costs.analysis import CostResult, cost
from planner.errors import SolveError
from planner.spec.network import Network

METRICS = ("memory", "peak", "params", "macs", "flops", "rf")
_METRIC = re.compile(
    r"^\s*(?P<metric>memory|peak|params|macs|flops|rf)(?:\.(?P<axis>[A-Za-z]\w*))?\s*"
    r"(?P<op><=|>=|==|=|<|>)\s*(?P<right>.+?)\s*$"
)
_BYTE_UNITS = {
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}
_COUNT_UNITS = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}
_NUMBER = re.compile(r"^(?P<num>\d+(?:\.\d+)?(?:e\d+)?)\s*(?P<unit>[A-Za-z]*)$")


@dataclass(frozen=True)
class MetricTarget:
    """``metric op right``: ``right`` a number, or ``"input"`` for ``rf``."""

    metric: str
    op: str
    right: int | str
    axis: int | None = None
    text: str = ""

    def __str__(self) -> str:
        return self.text

    def holds(self, have: int, want: int) -> bool:
        return {
            "<=": have <= want,
            ">=": have >= want,
            "<": have < want,
            ">": have > want,
            "==": have == want,
        }[self.op]


def is_metric_target(text: Any) -> bool:
    """Whether a target string names a metric (``memory<=8GiB``) rather than a size."""
    return isinstance(text, str) and _METRIC.match(text) is not None


def parse_metric_target(text: str, net: Network) -> MetricTarget:
    """Read ``memory<=8GiB``, ``macs<=50G``, ``rf>=input``, ``rf.H>=64``.

    >>> import planner
    >>> parse_metric_target("memory<=8GiB", planner.load("unet-original")).right
    8589934592
    """
    m = _METRIC.match(text)
    if m is None:
        raise SolveError(
            f"cannot read metric target {text!r}; write METRIC OP VALUE with METRIC one of "
            f"{', '.join(METRICS)} (e.g. memory<=8GiB, macs<=50G, rf>=input)",
            field="--target",
        )
    metric, axis_name, op, right = m["metric"], m["axis"], m["op"], m["right"]
    op = "==" if op == "=" else op
    axis = None
    if axis_name is not None:
        from planner.shapes import axis_names

        names = axis_names(net.rank)
        if metric != "rf" or axis_name not in names:
            raise SolveError(
                f"{text!r}: only rf takes an axis, one of {', '.join(names)}", field="--target"
            )
        axis = names.index(axis_name)
    if right == "input":
        if metric != "rf":
            raise SolveError(
                f"{text!r}: only rf compares with the input size (rf>=input)", field="--target"
            )
        return MetricTarget(metric, op, "input", axis, text.strip())
    return MetricTarget(metric, op, _amount(right, metric, text), axis, text.strip())


def _amount(text: str, metric: str, target: str) -> int:
    m = _NUMBER.match(text.strip())
    bytes_metric = metric in ("memory", "peak", "params")
    units = _BYTE_UNITS if bytes_metric else _COUNT_UNITS
    unit = m["unit"].lower() if m else ""
    if m is None or unit not in units:
        example = "8GiB, 500MB or 1e9" if bytes_metric else "50G, 1.2e9 or 3000"
        raise SolveError(
            f"cannot read the amount {text!r} in {target!r}; write e.g. {example}"
            + (f" (units: {', '.join(k for k in units if k)})" if units else ""),
            field="--target",
        )
    return round(float(m["num"]) * units[unit])


def measure(target: MetricTarget, costs: CostResult) -> list[int] | None:
    """The values a metric target compares (one per axis for ``rf``), or None when
    the network does not run or the receptive field cannot be followed."""
    if not costs.inference.ok:
        return None
    if target.metric == "rf":
        out = costs.output
        if out is None or out.receptive_field is None:
            return None
        values = list(out.receptive_field)
        return [values[target.axis]] if target.axis is not None else values
    value = {
        "memory": costs.activation_bytes,
        "peak": costs.peak_bytes,
        "params": costs.param_bytes,
        "macs": costs.total_macs,
        "flops": costs.total_flops,
    }[target.metric]
    return None if value is None else [int(value)]


def meets(targets: Sequence[MetricTarget], costs: CostResult) -> bool:
    spatial = list(costs.inference.input_spatial)
    for t in targets:
        values = measure(t, costs)
        if values is None:
            return False
        if t.right == "input":
            wants = [spatial[t.axis]] if t.axis is not None else spatial
        else:
            wants = [int(t.right)] * len(values)
        if not all(t.holds(v, w) for v, w in zip(values, wants, strict=True)):
            return False
    return True


def metrics_of(costs: CostResult) -> dict[str, Any]:
    out = costs.output
    return {
        "memory": costs.activation_bytes,
        "peak": costs.peak_bytes,
        "macs": costs.total_macs,
        "flops": costs.total_flops,
        "params": costs.param_bytes,
        "rf": list(out.receptive_field) if out and out.receptive_field else None,
    }


@dataclass
class BudgetAnswer:
    """The answers of a budget question, each verified by forward inference.

    For an unknown input size: ``count`` valid sizes meet every target, from
    ``smallest`` to ``largest`` (each a dict: ``input``, the shape, the metrics);
    ``solutions`` holds the largest ``limit`` of them, largest first. For unknown
    fields: ``solutions`` in ``planner.solve``'s ranking, best first.
    """

    network: str
    targets: list[str]
    dtype: str
    batch: int
    unknowns: list[str]
    solutions: list[dict[str, Any]]
    count: int
    complete: bool
    reason: str | None
    seconds: float
    largest: dict[str, Any] | None = None
    smallest: dict[str, Any] | None = None
    evaluated: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "network": self.network,
            "targets": self.targets,
            "dtype": self.dtype,
            "batch": self.batch,
            "unknowns": self.unknowns,
            "count": self.count,
            "largest": self.largest,
            "smallest": self.smallest,
            "solutions": self.solutions,
            "complete": self.complete,
            "reason": self.reason,
            "evaluated": self.evaluated,
            "seconds": round(self.seconds, 4),
        }


_INPUT = re.compile(
    r"^\s*input(?:\.(?P<axis>[A-Za-z]\w*))?\s*=\s*(?P<lo>\d+)\s*\.\.\s*(?P<hi>\d+)\s*$"
)


def solve_budget(
    net: Network,
    targets: Sequence[str],
    *,
    unknowns: Sequence[str] = (),
    dtype: str = "float32",
    batch: int = 1,
    limit: int | None = 20,
    time_budget: float = 10.0,
) -> BudgetAnswer:
    """Input sizes or field values meeting metric targets (and size targets).

    ``unknowns`` as for ``planner.solve``; ``input=LO..HI`` (a square input) is
    answered from the valid sizes in closed form. See the module docstring.
    """
    started = time.perf_counter()
    metric = [parse_metric_target(t, net) for t in targets if is_metric_target(t)]
    sizes = [t for t in targets if not is_metric_target(t)]
    if not metric:
        raise SolveError("no metric target (memory, peak, params, macs, flops, rf)")
    inputs = [u for u in unknowns if _INPUT.match(u)]
    answer = BudgetAnswer(
        net.name, [str(t) for t in targets], dtype, batch, list(unknowns), [], 0, True, None, 0.0
    )
    if inputs and len(inputs) == len(unknowns) and not sizes:
        _input_sizes(net, inputs, metric, dtype, batch, limit, answer)
    else:
        _fields(net, sizes, list(unknowns), metric, dtype, batch, limit, time_budget, answer)
    answer.seconds = time.perf_counter() - started
    return answer


def _shape_with(net: Network, spatial: Sequence[int]) -> list[int]:
    shape = list(net.input_shape)
    offset = 0 if net.channels_last else 1
    for i, n in enumerate(spatial):
        shape[offset + i] = n
    return shape


def _input_sizes(
    net: Network,
    specs: list[str],
    targets: list[MetricTarget],
    dtype: str,
    batch: int,
    limit: int | None,
    answer: BudgetAnswer,
) -> None:
    from planner.solver import valid_inputs

    if len(specs) != 1 or _INPUT.match(specs[0])["axis"] is not None:  # type: ignore[index]
        raise SolveError(
            "a budget over input sizes takes one square unknown, input=LO..HI",
            field="--unknown",
        )
    m = _INPUT.match(specs[0])
    assert m is not None
    lo, hi = int(m["lo"]), int(m["hi"])
    analysis = valid_inputs(net)
    axes = list(analysis.axes.values())
    # Square inputs: sizes valid on every axis, progression by progression.
    runs: list[list[int]] = []
    for p in axes[0].progressions:
        last = hi if p.last is None else min(hi, p.last)
        step = max(p.step, 1)
        first = p.first if p.first >= lo else p.first + -(-(lo - p.first) // step) * step
        members = (
            range(first, last + 1, step) if p.step else [p.first] if lo <= p.first <= hi else []
        )
        run = [n for n in members if all(a.contains(n) for a in axes[1:])]
        if run:
            runs.append(run)
    if not analysis.complete:
        answer.complete = False
        answer.reason = analysis.reason

    def costs_at(n: int) -> CostResult:
        answer.evaluated += 1
        return cost(net, input_shape=_shape_with(net, [n] * net.rank), dtype=dtype, batch=batch)

    found: list[int] = []
    record: dict[int, CostResult] = {}
    for run in runs:
        # rf depends only on the residue: one value for the run; cost metrics never
        # decrease along it (see the module docstring), so bisection finds the ends.
        keep = _bounds(run, targets, costs_at, record)
        found += keep
    found.sort()
    answer.count = len(found)
    if not found:
        return
    for n in (found[0], found[-1]):
        if n not in record:
            record[n] = costs_at(n)
    answer.smallest = _entry(net, found[0], record[found[0]])
    answer.largest = _entry(net, found[-1], record[found[-1]])
    shown = found[::-1] if limit is None else found[::-1][:limit]
    answer.solutions = [_entry(net, n, record[n] if n in record else costs_at(n)) for n in shown]


def _bounds(
    run: list[int], targets: list[MetricTarget], costs_at: Any, record: dict[int, CostResult]
) -> list[int]:
    """The members of one progression meeting every target: an interval of it."""

    def ok(i: int, group: list[MetricTarget]) -> bool:
        n = run[i]
        if n not in record:
            record[n] = costs_at(n)
        return meets(group, record[n])

    start, stop = 0, len(run)  # the interval run[start:stop]
    for t in targets:
        if t.metric == "rf" and t.right != "input":
            if not ok(0, [t]):
                return []
            continue
        # rf>=input holds while n <= rf (rf is constant along the run): a prefix, as
        # for upper bounds on cost; the other comparisons give a suffix.
        prefix = t.op in ((">=", ">", "==") if t.metric == "rf" else ("<=", "<", "=="))
        if prefix:
            lo, hi = start, stop  # largest i in [start, stop) with ok, as an end
            while lo < hi:
                mid = (lo + hi) // 2
                if ok(mid, [t]):
                    lo = mid + 1
                else:
                    hi = mid
            stop = lo
        if not prefix or t.op == "==":
            lo, hi = start, stop
            while lo < hi:
                mid = (lo + hi) // 2
                if ok(mid, [t]):
                    hi = mid
                else:
                    lo = mid + 1
            start = lo
        if start >= stop:
            return []
    return run[start:stop]


def _entry(net: Network, n: int, costs: CostResult) -> dict[str, Any]:
    shape = costs.inference.output_shape
    return {
        "input": n,
        "input_shape": _shape_with(net, [n] * net.rank),
        "output_shape": [int(d) for d in shape] if shape is not None else None,
        **metrics_of(costs),
    }


def _fields(
    net: Network,
    sizes: list[str],
    unknowns: list[str],
    targets: list[MetricTarget],
    dtype: str,
    batch: int,
    limit: int | None,
    time_budget: float,
    answer: BudgetAnswer,
) -> None:
    from planner.solver import solve

    result = solve(net, sizes, unknowns=unknowns, limit=None, time_budget=time_budget)
    answer.complete, answer.reason = result.complete, result.reason
    kept = []
    for s in result.solutions:
        costs = cost(result.network_for(s), dtype=dtype, batch=batch)
        answer.evaluated += 1
        if meets(targets, costs):
            kept.append({"values": dict(s.values), **metrics_of(costs)})
    answer.count = len(kept)
    answer.solutions = kept if limit is None else kept[:limit]
    if not kept and result.complete and not result.solutions:
        answer.reason = result.reason
