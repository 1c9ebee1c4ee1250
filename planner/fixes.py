"""Fixes: concrete, verified edits that make a network run, align and meet targets.

For every mismatch (a merge that does not align, a layer the framework refuses, an
output that misses its target) planner proposes edits of each kind that can work:

- ``padding_mode``: switch one layer's padding mode (``valid`` <-> ``same``);
- ``padding`` / ``output_padding`` / ``stride`` / ``kernel``: change one integer field;
- ``input``: the nearest valid input sizes above and below;
- ``crop`` / ``pad``: insert Cropping on the larger branch (or ZeroPadding on the
  smaller, or at the output) with the exact per-side amounts, at every merge that
  needs it.

Each candidate is found by the solver (so it is exact for the framework's
arithmetic) and verified by forward inference on the edited network; ``apply_fix``
returns that network and ``planner.files.write_network`` saves it, editing only the
changed values of the user's file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from planner.budget import Budget, CancelToken, ProgressCallback
from planner.errors import SolveError
from planner.shapes import axis_names, infer
from planner.solver.problem import Target, parse_target, resolve_name, target_sizes
from planner.solver.search import verify
from planner.solver.solve import refuse_named_inputs, solve
from planner.spec.loading import network_from_data
from planner.spec.network import Network
from planner.spec.values import Unknown, leaves

# Kinds in the order they are offered: the least disruptive first.
KIND_ORDER = (
    "padding_mode",
    "padding",
    "output_padding",
    "stride",
    "kernel",
    "input",
    "crop",
    "pad",
)
MODE_LAYERS = ("conv", "max_pool", "avg_pool", "depthwise_conv", "separable_conv", "conv_transpose")


@dataclass
class Mismatch:
    """One thing that is wrong: a refused layer, an unaligned merge, a missed target."""

    kind: str  # "error" (a layer refuses or a merge does not align) or "target"
    layer: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "layer": self.layer, "message": self.message}


@dataclass
class Fix:
    """An edit of the network that removes every mismatch (verified)."""

    id: int
    kind: str
    summary: str
    network: Network
    output_shape: tuple[Any, ...] | None
    edits: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "summary": self.summary,
            "output_shape": list(self.output_shape) if self.output_shape is not None else None,
            "edits": self.edits,
        }


@dataclass
class FixResult:
    """The mismatches of a network and the verified fixes found for them.

    ``complete`` is False when the time budget ran out or the run was cancelled
    before every kind of fix was searched; ``reason`` then says how far it got (the
    fixes listed are verified all the same)."""

    network: Network
    targets: list[Target]
    exact: bool
    mismatches: list[Mismatch]
    fixes: list[Fix]
    complete: bool = True
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "network": self.network.name,
            "targets": [str(t) for t in self.targets],
            "exact": self.exact,
            "complete": self.complete,
            "reason": self.reason,
            "mismatches": [m.to_dict() for m in self.mismatches],
            "fixes": [f.to_dict() for f in self.fixes],
        }

    def get(self, fix_id: int) -> Fix:
        for f in self.fixes:
            if f.id == fix_id:
                return f
        ids = ", ".join(str(f.id) for f in self.fixes) or "none"
        raise SolveError(f"there is no fix {fix_id}; fixes: {ids}", field="--apply")


def mismatches(net: Network, targets: Sequence[Target], exact: bool = False) -> list[Mismatch]:
    """What is wrong with ``net`` as it stands."""
    result = infer(net)
    found: list[Mismatch] = []
    error = result.first_error
    if error is not None:
        found.append(Mismatch("error", error.name, error.error or ""))
        return found
    if result.conditions:
        found.append(Mismatch("error", result.conditions[0].layer or "", _symbolic_cause(net)))
        return found
    names = axis_names(net.rank)
    sizes = result.sizes
    for t in targets:
        have, want = target_sizes(t, net, sizes)
        axes = t.axes if t.axes is not None else tuple(range(net.rank))
        left = resolve_name(t.left, net)
        for a, got, expected in zip(axes, have, want, strict=True):
            if not t.holds(got, expected):
                wanted = expected if t.op == "==" else t.wants()
                found.append(
                    Mismatch(
                        "target",
                        left,
                        f"{left} is {got} on axis {names[a]}; target {t} wants {wanted}",
                    )
                )
                break
    if exact and not found and not verify(net, {}, list(targets), exact=True)[0]:
        found.append(Mismatch("target", "", "a strided layer drops pixels (--exact)"))
    return found


def _symbolic_cause(net: Network) -> str:
    """Why sizes are symbolic: an unknown field (solve it) or a symbolic input size."""
    fields = [
        f"{layer.name}.{f}"
        for layer in net.layers
        for f in type(layer).model_fields
        if any(isinstance(v, Unknown) for v in leaves(getattr(layer, f)))
    ]
    if fields:
        return (
            f"sizes are symbolic because {', '.join(fields[:5])} "
            f"{'is' if len(fields) == 1 else 'are'} unknown; solve "
            f"{'it' if len(fields) == 1 else 'them'} first (planner solve) or give "
            f"{'it a value' if len(fields) == 1 else 'them values'} to fix the rest"
        )
    return "sizes are symbolic; give concrete input sizes to fix"


def fixes(
    net: Network,
    targets: Sequence[str | Target] = (),
    *,
    exact: bool = False,
    per_kind: int = 3,
    time_budget: float = 5.0,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> FixResult:
    """Every kind of verified fix for ``net``'s mismatches, least disruptive first.

    ``time_budget`` bounds each field search; ``progress`` and ``cancel`` report on and
    stop the whole run (see :mod:`planner.budget`).

    >>> import planner
    >>> result = fixes(planner.load("unet-original").model_copy(
    ...     update={"input_shape": [570, 570, 1]}))
    >>> [f.summary for f in result.fixes if f.kind == "input"]
    ['input size 572 (was 570)', 'input size 556 (was 570)']
    """
    from planner.solver.solve import _as_list, check_arguments

    check_arguments(net, time_budget=time_budget, exact=exact, progress=progress, cancel=cancel)
    if isinstance(per_kind, bool) or not isinstance(per_kind, int) or per_kind < 1:
        raise SolveError(
            f"per_kind must be a whole number >= 1; received {per_kind!r}", field="per_kind"
        )
    parsed = [parse_target(t, net) for t in _as_list(targets, "targets")]
    cause = _symbolic_cause(net)
    if not cause.endswith("give concrete input sizes to fix"):
        # Unknown fields: say so before a symbolic inference that could only agree.
        raise SolveError(f"{net.name}: {cause}")
    refuse_named_inputs(net, "fixes")
    found = mismatches(net, parsed, exact)
    if not found:
        return FixResult(net, parsed, exact, [], [])
    if any(m.message.startswith("sizes are symbolic") for m in found):
        raise SolveError(f"{net.name}: {found[0].message}", layer=found[0].layer or None)
    explicit = _explicit(net)
    candidates: list[tuple[str, str, dict[str, Any], list[dict[str, Any]]]] = []
    budget = Budget(task="fixes", seconds=time_budget, progress=progress, cancel=cancel)
    # The closed-form kinds first (fast), then the field searches with what is left.
    candidates += _input_fixes(net, explicit, parsed, exact, budget)
    if not budget.check(force=True):
        candidates += _insertion_fixes(net, explicit, parsed, exact, budget)
    if not budget.check(force=True):
        candidates += _field_fixes(net, explicit, parsed, exact, per_kind, budget)
    out: list[Fix] = []
    seen: set[str] = set()
    for kind in KIND_ORDER:
        for k, summary, data, edits in candidates:
            if k != kind or summary in seen:
                continue
            edited = network_from_data(data, source=net.name)
            ok, shape = verify(edited, {}, parsed, exact)
            if not ok:
                continue
            seen.add(summary)
            out.append(Fix(len(out) + 1, kind, summary, edited, shape, edits))
    budget.report(1, 1, "done", final=True)
    reason = None
    if budget.stopped:
        head = (
            "cancelled" if budget.stopped == "cancelled" else "incomplete: the time budget ran out"
        )
        reason = (
            f"{head} after {budget.elapsed:.1f} s, during the search for {budget.task_step}; "
            f"{len(out)} verified fix{'es' if len(out) != 1 else ''} found, other kinds not "
            "searched"
        )
    return FixResult(net, parsed, exact, found, out, budget.stopped is None, reason)


def _explicit(net: Network) -> dict[str, Any]:
    """The network as data with every layer's inputs written out (safe to insert into)."""
    data = net.to_data()
    for item, layer in zip(data["layers"], net.layers, strict=True):
        item["inputs"] = list(layer.inputs or [])
        item["name"] = layer.name
    return data


def _copy(data: dict[str, Any]) -> dict[str, Any]:
    import copy

    return copy.deepcopy(data)


def _field_fixes(
    net: Network,
    explicit: dict[str, Any],
    targets: list[Target],
    exact: bool,
    per_kind: int,
    budget: Budget,
) -> list[Any]:
    """Change one field of one layer: mode, padding, output_padding, stride, kernel."""
    out = []
    framework = net.framework
    budget.task_step = "field changes"
    for i, layer in enumerate(net.layers):
        if budget.check(force=True):
            break
        budget.task_step = f"field changes (at layer '{layer.name}')"
        budget.report(i, len(net.layers), f"fixes for layer '{layer.name}'")
        name = layer.name
        specs: list[tuple[str, str]] = []
        padding = getattr(layer, "padding", None) if layer.type in MODE_LAYERS else None
        if isinstance(padding, str):
            specs.append(("padding_mode", f"{name}.padding"))
        elif isinstance(padding, tuple) and layer.type in MODE_LAYERS:
            specs.append(("padding", f"{name}.padding=0..8"))
        if layer.type == "conv_transpose" and framework in ("torch", "keras", "onnx"):
            specs.append(("output_padding", f"{name}.output_padding=0..7"))
        if layer.type in ("conv", "max_pool", "avg_pool", "conv_transpose"):
            specs.append(("stride", f"{name}.strides=1..4"))
            field = "pool_size" if layer.type in ("max_pool", "avg_pool") else "kernel_size"
            specs.append(("kernel", f"{name}.{field}=1..7"))
        for kind, spec in specs:
            if budget.check(force=True):
                break
            try:
                # Every field search shares the one deadline of the whole run.
                result = solve(
                    net,
                    targets,
                    unknowns=[spec],
                    exact=exact,
                    limit=per_kind + 1,
                    time_budget=max(budget.remaining(), 1e-3),
                    explain=False,
                    cancel=budget.cancel_token,
                )
            except SolveError:
                continue
            for s in result.solutions:
                ((uname, value),) = s.values.items()
                fld = uname.removeprefix(f"{name}.")  # the name may hold dots
                old = _describe_value(getattr(layer, fld))
                if str(value) == old or (
                    isinstance(value, int) and _all_equal(getattr(layer, fld), value)
                ):
                    continue
                data = _copy(explicit)
                data["layers"][i][fld] = value
                edit = {"op": "set", "layer": name, "field": fld, "from": old, "to": value}
                shown = f"'{value}'" if isinstance(value, str) else str(value)
                out.append((kind, f"set {name}.{fld} to {shown} (was {old})", data, [edit]))
    return out


def _all_equal(current: Any, value: Any) -> bool:
    flat = (
        [v for pair in current for v in (pair if isinstance(pair, tuple) else (pair,))]
        if isinstance(current, tuple)
        else [current]
    )
    return all(v == value for v in flat)


def _describe_value(value: Any) -> str:
    if value is None:
        return "the framework default"
    if isinstance(value, tuple):
        flat = [v for pair in value for v in (pair if isinstance(pair, tuple) else (pair,))]
        if len(set(map(str, flat))) == 1:
            return str(flat[0])
        return str([list(p) if isinstance(p, tuple) else p for p in value])
    return str(value)


def _input_fixes(
    net: Network,
    explicit: dict[str, Any],
    targets: list[Target],
    exact: bool,
    budget: Budget,
    max_checks: int = 256,
) -> list[Any]:
    """The nearest input sizes above and below that fix everything (targets included).

    Candidates come from the closed-form valid sizes, walking outwards from the
    current size; each is verified by forward inference with the targets.
    """
    from planner.solver.inputs import valid_inputs

    spatial = list(net.spatial_input)
    if not all(isinstance(d, int) for d in spatial):
        return []
    budget.task_step = "input sizes"
    if len(set(spatial)) == 1:
        return _square_input_fixes(net, explicit, targets, exact, budget, spatial[0])
    try:
        analysis = valid_inputs(
            net, exact=exact, time_budget=max(budget.remaining(), 1e-3), cancel=budget.cancel_token
        )
    except SolveError:
        return []
    names = axis_names(net.rank)
    offset = 0 if net.channels_last else 1
    shapes = {
        tuple((p.first, p.step, p.last) for p in a.progressions) for a in analysis.axes.values()
    }
    square = len(set(spatial)) == 1 and len(shapes) == 1

    def candidate(new: list[int]) -> tuple[dict[str, Any], Network] | None:
        data = _copy(explicit)
        shape = list(data["input_shape"])
        for a, v in enumerate(new):
            shape[offset + a] = v
        data["input_shape"] = shape
        edited = network_from_data(data, source=net.name)
        return (data, edited) if verify(edited, {}, targets, exact)[0] else None

    out = []
    was = ",".join(map(str, spatial)) if not square else str(spatial[0])
    for sign, word in ((1, "above"), (-1, "below")):
        checks = 0
        current = list(spatial)
        while checks < max_checks and not budget.check(force=True):
            new = []
            for a, n in enumerate(current):
                axis = analysis.axes[names[a]]
                step_from = n + sign
                near = axis.nearest(step_from)[word]
                new.append(near)
            if any(v is None or v < 1 for v in new):
                break
            if square:
                new = [new[0]] * len(new)
            checks += 1
            found = candidate(new)
            if found is not None:
                data, _ = found
                text = str(new[0]) if square else ",".join(map(str, new))
                edit = {"op": "input", "from": spatial, "to": new}
                out.append(("input", f"input size {text} (was {was})", data, [edit]))
                break
            current = new
    return out


def _square_input_fixes(
    net: Network,
    explicit: dict[str, Any],
    targets: list[Target],
    exact: bool,
    budget: Budget,
    n: int,
) -> list[Any]:
    """The nearest square input sizes above and below ``n`` meeting everything, from
    the closed form (no size is tried that it does not prove)."""
    from planner.solver.closed import NotClosed, input_var, solve_input
    from planner.solver.problem import with_unknowns
    from planner.solver.search import collect_vars

    probe = with_unknowns(net, [f"input=1..{max(4 * n, n + 4096)}"])
    found = input_var(probe, collect_vars(probe, {"input": n}))
    if found is None:
        return []
    var, axes = found
    try:
        answer = solve_input(probe, var, axes, targets, exact, budget.child())
    except NotClosed:
        return []
    chosen: dict[str, int] = {}
    for size in answer.in_cost_order():
        word = "above" if size > n else "below"
        if size != n and word not in chosen:
            chosen[word] = size
        if len(chosen) == 2 or budget.check():
            break
    offset = 0 if net.channels_last else 1
    out = []
    for word in ("above", "below"):
        if word not in chosen:
            continue
        data = _copy(explicit)
        shape = list(data["input_shape"])
        for a in range(net.rank):
            shape[offset + a] = chosen[word]
        data["input_shape"] = shape
        edit = {"op": "input", "from": [n] * net.rank, "to": [chosen[word]] * net.rank}
        out.append(("input", f"input size {chosen[word]} (was {n})", data, [edit]))
    return out


def _insertion_fixes(
    net: Network, explicit: dict[str, Any], targets: list[Target], exact: bool, budget: Budget
) -> list[Any]:
    """Crop the larger branch (or zero-pad the smaller) at every merge that needs it,
    then crop or pad the output to its target."""
    out = []
    budget.task_step = "crops and pads"
    for mode in ("crop", "pad"):
        data = _copy(explicit)
        edits: list[dict[str, Any]] = []
        for _ in range(len(net.layers)):
            if budget.check(force=True):
                return out
            current = network_from_data(_copy(data), source=net.name)
            result = infer(current)
            error = result.first_error
            if error is None:
                break
            layer = current.layer(error.name)
            if not layer.is_merge:
                break
            step = _align_merge(current, data, layer, result, mode)
            if step is None:
                break
            edits.append(step)
        else:
            continue
        current = network_from_data(_copy(data), source=net.name)
        if not infer(current).ok:
            continue
        for t in targets:
            step = _match_target(current, data, t, mode)
            if step is not None:
                edits.append(step)
                current = network_from_data(_copy(data), source=net.name)
        if edits:
            what = "; ".join(e["summary"] for e in edits)
            out.append((mode, what, data, edits))
    return out


def _split(diff: int) -> tuple[int, int]:
    """Total ``diff`` per side: even halves, the odd pixel after (Keras' convention)."""
    return diff // 2, diff - diff // 2


def _align_merge(
    net: Network, data: dict[str, Any], merge: Any, result: Any, mode: str
) -> dict[str, Any] | None:
    sizes = result.sizes
    branches = list(merge.inputs)
    shapes = [sizes[b] for b in branches]
    if any(len(s) != net.rank for s in shapes):
        return None
    goal = [
        min(s[a] for s in shapes) if mode == "crop" else max(s[a] for s in shapes)
        for a in range(net.rank)
    ]
    index = next(i for i, item in enumerate(data["layers"]) if item["name"] == merge.name)
    summaries = []
    for b, shape in zip(branches, shapes, strict=True):
        diffs = [abs(shape[a] - goal[a]) for a in range(net.rank)]
        if not any(diffs):
            continue
        pairs = [list(_split(d)) for d in diffs]
        name = _fresh(data, f"{b}_{'crop' if mode == 'crop' else 'pad'}")
        item: dict[str, Any] = {
            "type": "cropping" if mode == "crop" else "zero_padding",
            "name": name,
            "inputs": [b],
        }
        item["cropping" if mode == "crop" else "padding"] = pairs
        data["layers"].insert(index, item)
        index += 1
        merge_item = data["layers"][index]
        merge_item["inputs"] = [name if x == b else x for x in merge_item["inputs"]]
        word = "crop" if mode == "crop" else "zero-pad"
        summaries.append(f"{word} {b} by {_pairs_text(pairs)} before {merge.name}")
    if not summaries:
        return None
    return {"op": "insert", "summary": "; ".join(summaries)}


def _match_target(
    net: Network, data: dict[str, Any], t: Target, mode: str
) -> dict[str, Any] | None:
    if resolve_name(t.left, net) != resolve_name("output", net):
        return None
    sizes = infer(net).sizes
    have = sizes[resolve_name("output", net)]
    if len(have) != net.rank:
        return None
    try:
        left, right = target_sizes(t, net, sizes)
    except SolveError:
        return None
    axes = t.axes if t.axes is not None else tuple(range(net.rank))
    diffs = [0] * net.rank
    for a, got, want in zip(axes, left, right, strict=True):
        goal = _goal(t, got, want, mode)
        if goal is None or goal < 1:
            return None
        diffs[a] = got - goal
    if not any(diffs):
        return None
    pairs = [list(_split(abs(d))) for d in diffs]
    last = data["layers"][-1]["name"]
    name = _fresh(data, "output_crop" if mode == "crop" else "output_pad")
    item: dict[str, Any] = {
        "type": "cropping" if mode == "crop" else "zero_padding",
        "name": name,
        "inputs": [last],
    }
    item["cropping" if mode == "crop" else "padding"] = pairs
    data["layers"].append(item)
    word = "crop" if mode == "crop" else "zero-pad"
    return {"op": "insert", "summary": f"{word} the output by {_pairs_text(pairs)}"}


def _goal(t: Target, have: int, want: int, mode: str) -> int | None:
    """The size nearest ``have`` meeting ``t``: at most ``have`` when cropping, at
    least ``have`` when padding; None when there is none that way."""
    crop = mode == "crop"
    if t.op == "==":
        goal: int | None = want
    elif t.op in (">=", ">"):
        low = want + (t.op == ">")
        goal = have if have >= low else (None if crop else low)
    elif t.op in ("<=", "<"):
        high = want - (t.op == "<")
        goal = have if have <= high else (high if crop else None)
    elif t.op == "..":
        lo, hi = t.right  # type: ignore[misc]
        goal = min(max(have, lo), hi)
    elif t.op == "in":
        options = [v for v in t.right if (v <= have if crop else v >= have)]  # type: ignore[union-attr]
        goal = (max(options) if crop else min(options)) if options else None
    else:
        goal = have - have % want if crop else -(-have // want) * want
    if goal is None or (crop and goal > have) or (not crop and goal < have):
        return None
    return goal


def _pairs_text(pairs: list[list[int]]) -> str:
    texts = [f"{b}|{a}" for b, a in pairs]
    return texts[0] if len(set(texts)) == 1 else ", ".join(texts)


def _fresh(data: dict[str, Any], base: str) -> str:
    names = {item["name"] for item in data["layers"]}
    if base not in names:
        return base
    i = 1
    while f"{base}_{i}" in names:
        i += 1
    return f"{base}_{i}"


def apply_fix(result: FixResult, fix_id: int) -> Network:
    """The edited network of fix ``fix_id``."""
    return result.get(fix_id).network
