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
returns that network and ``write_network`` saves it atomically.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from planner.budget import Budget, CancelToken, ProgressCallback
from planner.errors import SolveError
from planner.shapes import axis_names, infer
from planner.solver.problem import Target, parse_target, resolve_name, target_sizes
from planner.solver.search import verify
from planner.solver.solve import solve
from planner.spec.loading import network_from_data
from planner.spec.network import Network

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
    network: Network
    targets: list[Target]
    exact: bool
    mismatches: list[Mismatch]
    fixes: list[Fix]

    def to_dict(self) -> dict[str, Any]:
        return {
            "network": self.network.name,
            "targets": [str(t) for t in self.targets],
            "exact": self.exact,
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
        found.append(
            Mismatch(
                "error",
                result.conditions[0].layer or "",
                "sizes are symbolic; give concrete input sizes to fix",
            )
        )
        return found
    names = axis_names(net.rank)
    sizes = result.sizes
    for t in targets:
        have, want = target_sizes(t, net, sizes)
        axes = t.axes if t.axes is not None else tuple(range(net.rank))
        left = resolve_name(t.left, net)
        for a, got, expected in zip(axes, have, want, strict=True):
            if got != expected:
                found.append(
                    Mismatch(
                        "target",
                        left,
                        f"{left} is {got} on axis {names[a]}; target {t} wants {expected}",
                    )
                )
                break
    if exact and not found and not verify(net, {}, list(targets), exact=True)[0]:
        found.append(Mismatch("target", "", "a strided layer drops pixels (--exact)"))
    return found


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
    parsed = [parse_target(t, net) for t in targets]
    found = mismatches(net, parsed, exact)
    if not found:
        return FixResult(net, parsed, exact, [], [])
    if any(m.message.startswith("sizes are symbolic") for m in found):
        raise SolveError(f"{net.name} has symbolic sizes; give concrete input sizes to fix it")
    explicit = _explicit(net)
    candidates: list[tuple[str, str, dict[str, Any], list[dict[str, Any]]]] = []
    budget = Budget(task="fixes", seconds=time_budget, progress=progress, cancel=cancel)
    candidates += _field_fixes(net, explicit, parsed, exact, per_kind, budget)
    candidates += _input_fixes(net, explicit, parsed, exact)
    candidates += _insertion_fixes(net, explicit, parsed, exact)
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
    return FixResult(net, parsed, exact, found, out)


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
    for i, layer in enumerate(net.layers):
        if budget.cancelled():
            break
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
            try:
                result = solve(
                    net,
                    targets,
                    unknowns=[spec],
                    exact=exact,
                    limit=per_kind + 1,
                    time_budget=budget.seconds,
                    explain=False,
                    cancel=budget.cancel_token,
                )
            except SolveError:
                continue
            for s in result.solutions:
                ((uname, value),) = s.values.items()
                fld = uname.split(".")[1]
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
    try:
        analysis = valid_inputs(net, exact=exact)
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
        while checks < max_checks:
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


def _insertion_fixes(
    net: Network, explicit: dict[str, Any], targets: list[Target], exact: bool
) -> list[Any]:
    """Crop the larger branch (or zero-pad the smaller) at every merge that needs it,
    then crop or pad the output to its target."""
    out = []
    for mode in ("crop", "pad"):
        data = _copy(explicit)
        edits: list[dict[str, Any]] = []
        for _ in range(len(net.layers)):
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
    want = (
        sizes[resolve_name(t.right, net)]
        if isinstance(t.right, str)
        else (t.right * net.rank if len(t.right) == 1 else t.right)
    )
    if len(have) != net.rank:
        return None
    diffs = [have[a] - want[a] for a in range(net.rank)]
    if (mode == "crop" and any(d < 0 for d in diffs)) or (
        mode == "pad" and any(d > 0 for d in diffs)
    ):
        return None
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


def write_network(net: Network, path: str | Path) -> Path:
    """Write ``net`` as YAML, atomically: a temporary file renamed over the target, so
    an interrupted write never leaves a half-written file."""
    target = Path(path)
    text = yaml.safe_dump(net.to_data(), sort_keys=False, default_flow_style=None, width=100)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
