"""Human-readable reports of inference results (rich tables), shared by the shells."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from planner.long_table import LONG_ROWS, LongTable
from planner.shapes import Inference, LayerResult
from planner.symbolic.ops import is_int, render, to_int


def shape_text(shape: Any) -> str:
    if shape is None:
        return "-"
    return "(" + ", ".join(render(d) for d in shape) + ")"


def count_text(value: Any) -> str:
    """``1,160`` for a number, the formula for a symbolic count, ``""`` for none."""
    if value is None:
        return ""
    value = to_int(value)
    return f"{value:,}" if is_int(value) else render(value)


def pad_text(padding: Any) -> str:
    """``pad 0|1`` (one axis, or all axes alike) or ``pad 0|1, 1|1`` per axis."""
    if not padding:
        return ""
    parts = [f"{render(b)}|{render(a)}" for b, a in padding]
    if len(set(parts)) == 1:
        return f"pad {parts[0]}"
    return "pad " + ", ".join(parts)


def how(layer: LayerResult) -> str:
    """How the size arose: ``ceil(28/2) = 14, pad 0|1``."""
    if layer.formula is None:
        return ""
    pad = pad_text(layer.padding)
    return f"{layer.formula}, {pad}" if pad else layer.formula


# One extra column of the summary: header, then one cell per row (input row first).
Column = tuple[str, list[str]]


def summary_table(result: Inference, extra: list[Column] | None = None) -> Table:
    net = result.network
    table = Table(
        title=f"{net.name} ({result.framework}, {net.data_format})",
        title_justify="left",
        show_lines=False,
        header_style="bold",
    )
    table.add_column("Layer (type)", no_wrap=True, max_width=34)
    table.add_column("Output shape", overflow="fold", ratio=2)
    table.add_column("Params", justify="right", no_wrap=True, min_width=6)
    table.add_column("How", overflow="fold", ratio=3)
    extra = extra or []
    for header, _ in extra:
        table.add_column(header, justify="right", overflow="fold")
    cells = [[Text(v) for v in row] for row in zip(*(vs for _, vs in extra), strict=True)] or [
        [] for _ in range(len(result.layers) + 1)
    ]
    # Cells are Text, not str: rich would parse every str for markup and emoji codes
    # (a tenth of a large table's cost), and a layer name is not markup.
    table.add_row(
        Text(f"{net.input_name} (input)"),
        Text(shape_text(result.input_shape)),
        Text("0"),
        Text(),
        *cells[0],
    )
    shown = {spec.name: spec.shown_type for spec in net.layers}  # min_pool, sum_pool
    for layer, more in zip(result.layers, cells[1:], strict=True):
        params = count_text(layer.params)
        if layer.error:
            table.add_row(
                Text(f"{layer.name} ({shown.get(layer.name, layer.type)})"),
                Text("error", style="bold red"),
                Text(params),
                Text(layer.error, style="red"),
                *more,
            )
        else:
            table.add_row(
                Text(f"{layer.name} ({shown.get(layer.name, layer.type)})"),
                Text(shape_text(layer.output_shape)),
                Text(params or "0"),
                Text(how(layer)),
                *more,
            )
    return table


PAD_LEGEND = (
    "pad b|a: padding before|after on each axis (top|bottom, left|right), negative "
    "crops; for a transposed convolution, what is cropped from its full output "
    "(n-1)*s + ek (negative: added)"
)


def summary(result: Inference, costs: Any = None, *, macs: bool = False, rf: bool = False) -> Group:
    """The table, totals, notes, conditions on symbols, and errors; with ``costs`` (a
    ``planner.cost`` result) the columns ``macs`` / ``rf`` ask for, and their totals."""
    from planner.dialects import layer_notes

    extra = cost_columns(costs, macs=macs, rf=rf) if costs is not None else None
    table = summary_table(result, extra)
    # A long table is drawn row by row (the same text as rich's: planner.long_table).
    parts: list[Any] = [LongTable(table) if len(table.rows) > LONG_ROWS else table]
    parts.append(Text(f"Total params: {count_text(result.total_params)}"))
    if costs is not None and macs:
        parts.extend(cost_totals(costs))
    parts.append(Text(f"Output shape: {shape_text(result.output_shape)}"))
    if any(layer.padding for layer in result.layers):
        parts.append(Text(PAD_LEGEND, style="dim"))
    for name, note in layer_notes(result.network):
        parts.append(Text(f"note ({name}): {note}", style="yellow"))
    conditions = result.conditions
    if conditions:
        parts.extend(_validity(result))
    error = result.first_error
    if error is not None:
        parts.append(Text(f"Error in layer '{error.name}': {error.error}", style="bold red"))
    return Group(*parts)


def solve_report(result: Any) -> Group:
    """Solutions as a table (best first), or why there is none."""
    parts: list[Any] = []
    targets = ", ".join(str(t) for t in result.targets) or "(none: every valid network)"
    unknowns = (
        ", ".join(
            f"{name} in "
            + (
                f"{{{', '.join(map(str, u['choices']))}}}"
                if "choices" in u
                else f"{u['min']}..{u['max']}"
            )
            for name, u in result.unknowns.items()
        )
        or "(none)"
    )
    parts.append(
        Text(
            f"{result.network.name}: targets {targets}; unknowns {unknowns}"
            + ("; exact" if result.exact else "")
        )
    )
    if result.solutions:
        table = Table("#", *result.unknowns, "Output shape", "Cost", header_style="bold")
        for i, s in enumerate(result.solutions, 1):
            table.add_row(
                str(i),
                *[str(s.values.get(n)) for n in result.unknowns],
                shape_text(s.output_shape),
                str(s.cost),
            )
        parts.append(table)
        shown = len(result.solutions)
        if not result.complete:
            parts.append(Text(_incomplete(result.reason), style="bold red"))
        elif result.total > shown:
            parts.append(
                Text(
                    f"{result.total:,} solutions in all; the best {shown} listed "
                    "(--all for every one)"
                )
            )
        else:
            parts.append(
                Text(
                    f"{result.total} solution{'s' if result.total != 1 else ''}, "
                    "all shown, each verified by forward inference"
                )
            )
    elif result.complete:
        parts.append(Text("No solution: " + (result.reason or ""), style="bold yellow"))
    else:
        parts.append(Text(_incomplete(result.reason), style="bold red"))
    parts.append(Text(f"({result.seconds * 1000:.0f} ms)", style="dim"))
    return Group(*parts)


def _incomplete(reason: str | None) -> str:
    """An incomplete answer's reason as one sentence that says so."""
    text = reason or "the search did not finish"
    if text.startswith(("incomplete", "cancelled")):
        return text[0].upper() + text[1:]
    return "Incomplete: " + text


def inputs_report(result: Any) -> Group:
    parts: list[Any] = [
        Text(
            f"Valid input sizes of {result.network}"
            + (" (exact: no pixel dropped)" if result.exact else "")
        )
    ]
    for name, axis in result.axes.items():
        parts.append(Text(f"Axis {name} (period {axis.period}):", style="bold"))
        if not axis.progressions:
            parts.append(Text("  no valid size"))
        for p in axis.progressions:
            parts.append(Text("  " + p.text(name)))
        for note in axis.notes:
            parts.append(Text("  note: " + note, style="yellow"))
        if axis.crops:
            parts.append(Text("  run-time crops, pixels taken off (negative: padded):"))
        for c in axis.crops:
            head = f"{c.layer} (like {c.like}): "
            parts.append(Text(f"    {head}before {c.before}"))
            parts.append(Text(f"    {' ' * len(head)}after  {c.after}"))
        if result.near is not None:
            near = axis.nearest(result.near)
            verdict = "valid" if axis.contains(result.near) else "not valid"
            sides = [
                f"{word} {near[word]}" if near[word] is not None else f"none {word}"
                for word in ("below", "above")
            ]
            parts.append(Text(f"  {result.near} is {verdict}; nearest valid: {', '.join(sides)}"))
            if axis.crops and all(a.contains(result.near) for a in result.axes.values()):
                at = result.crops_at(result.near)
                parts.append(
                    Text(
                        f"  crops at {result.near} (before|after, pixels taken off): "
                        + ", ".join(
                            f"{c.layer} {'|'.join(map(str, at[c.layer][name]))}" for c in axis.crops
                        )
                    )
                )
    if not result.complete:
        parts.append(Text(_incomplete(result.reason), style="bold red"))
    return Group(*parts)


def fix_report(result: Any) -> Group:
    parts: list[Any] = []
    if not result.mismatches:
        parts.append(
            Text(
                f"{result.network.name}: nothing to fix (every layer runs, every "
                "merge aligns, every target is met)"
            )
        )
        return Group(*parts)
    parts.append(Text("Mismatches:", style="bold"))
    for m in result.mismatches:
        parts.append(Text(f"  {m.layer}: {m.message}"))
    if not result.complete:
        parts.append(Text(_incomplete(result.reason), style="bold red"))
    if not result.fixes:
        parts.append(
            Text(
                "No single fix found; try `planner solve` with unknowns of your own.",
                style="yellow",
            )
        )
        return Group(*parts)
    table = Table("ID", "Kind", "Fix", "Output shape", header_style="bold")
    for f in result.fixes:
        table.add_row(str(f.id), f.kind, f.summary, shape_text(f.output_shape))
    parts.append(table)
    parts.append(
        Text(
            "Every fix is verified by forward inference. Apply one with --apply ID -o FILE.",
            style="dim",
        )
    )
    return Group(*parts)


def _validity(result: Inference) -> list[Any]:
    """When sizes are symbolic: the valid input sizes in closed form when planner can
    derive them, else the raw conditions (deduplicated, the first ten)."""
    from planner.errors import PlannerError
    from planner.solver.inputs import valid_inputs

    try:
        analysis = valid_inputs(result.network)
    except PlannerError:
        analysis = None
    if analysis is not None and all(a.progressions or not a.notes for a in analysis.axes.values()):
        lines: list[Any] = [Text("Valid input sizes (planner inputs):", style="bold")]
        for name, axis in analysis.axes.items():
            texts = [p.text(name) for p in axis.progressions] or ["none"]
            shown = "; ".join(texts[:3]) + (
                f"; ... ({len(texts) - 3} more)" if len(texts) > 3 else ""
            )
            lines.append(Text(f"  {shown}"))
        return lines
    lines = [Text("Valid when:", style="bold")]
    seen: list[str] = []
    for c in result.conditions:
        text = f"  {c.layer}: {render(c.expr)}  ({c.message})"
        if text not in seen:
            seen.append(text)
    lines.extend(Text(t) for t in seen[:10])
    if len(seen) > 10:
        lines.append(Text(f"  ... and {len(seen) - 10} more (--json lists them all)"))
    return lines


# --- cost and receptive field columns (planner.cost) -----------------------------------


def bytes_text(value: Any) -> str:
    """``1.50 GiB`` (binary units) for a number, the formula for a symbolic size."""
    if value is None:
        return ""
    value = to_int(value)
    if not is_int(value):
        return render(value) + " B"
    if abs(value) < 1024:
        return f"{value} B"
    size = float(value)
    for unit in ("KiB", "MiB", "GiB"):
        size /= 1024
        if abs(size) < 1024 or unit == "GiB":
            break
    return f"{size:.2f} {unit}"


def rf_text(sizes: Any) -> str:
    """``204`` (all axes alike) or ``204x188`` per axis."""
    if sizes is None:
        return "-"
    parts = [render(s) if s is not None else "-" for s in sizes]
    return parts[0] if len(set(parts)) == 1 else "x".join(parts)


def cost_columns(costs: Any, *, macs: bool, rf: bool) -> list[Column]:
    """The optional columns of ``show``: MACs and activation memory (``--cost``),
    receptive field and jump (``--rf``); one cell per row, the input row first."""
    columns: list[Column] = []
    if macs:
        columns.append(("MACs", ["0", *(count_text(c.macs) for c in costs.layers)]))
        columns.append(
            (
                "Memory",
                [
                    bytes_text(costs.input_bytes),
                    *(bytes_text(c.activation_bytes) for c in costs.layers),
                ],
            )
        )
    if rf:
        columns.append(("RF", ["1", *(rf_text(c.receptive_field) for c in costs.layers)]))
        columns.append(("Jump", ["1", *(rf_text(c.jump) if c.jump else "-" for c in costs.layers)]))
    return columns


def cost_totals(costs: Any) -> list[Any]:
    """Total MACs and FLOPs, memory for the dtype and batch."""
    return [
        Text(
            f"Total MACs: {count_text(costs.total_macs)} (FLOPs = 2 x MACs: "
            f"{count_text(costs.total_flops)}); other ops: {count_text(costs.total_ops)}"
        ),
        Text(
            f"Memory ({costs.dtype}, batch {costs.batch}): activations "
            f"{bytes_text(costs.activation_bytes)} (all kept, as in training), forward peak "
            f"{bytes_text(costs.peak_bytes) or '(at numeric sizes)'}, input {bytes_text(costs.input_bytes)}, params "
            f"{bytes_text(costs.param_bytes)}"
        ),
    ]


def budget_report(answer: Any) -> Group:
    """A budget answer (``planner.costs.budget``): the largest and smallest input that
    meet the targets, or the field values that do, with their figures."""
    parts: list[Any] = [
        Text(
            f"{answer.network}: targets {', '.join(answer.targets)}; unknowns "
            f"{', '.join(answer.unknowns) or '(none)'}; {answer.dtype}, batch {answer.batch}"
        )
    ]
    rows = answer.solutions
    if not rows:
        parts.append(
            Text(
                "No solution: " + (answer.reason or "no candidate meets the targets"),
                style="bold yellow",
            )
        )
        return Group(*parts)
    sizes = "input" in rows[0]
    first = ["Input", "Output shape"] if sizes else ["Values"]
    table = Table("#", *first, "Memory", "Peak", "MACs", "RF", header_style="bold")
    for i, r in enumerate(rows, 1):
        lead = (
            [str(r["input"]), shape_text(r["output_shape"])]
            if sizes
            else [", ".join(f"{k}={v}" for k, v in r["values"].items())]
        )
        table.add_row(
            str(i),
            *lead,
            bytes_text(r["memory"]),
            bytes_text(r["peak"]),
            count_text(r["macs"]),
            rf_text(r["rf"]),
        )
    parts.append(table)
    if sizes:
        parts.append(
            Text(
                f"{answer.count} valid input size{'s' if answer.count != 1 else ''} meet the "
                f"targets: largest {answer.largest['input']}, smallest "
                f"{answer.smallest['input']} (largest first; each verified by forward inference)"
            )
        )
    else:
        parts.append(
            Text(f"{answer.count} of the solver's solutions meet the targets (its ranking)")
        )
    if not answer.complete:
        parts.append(Text("Incomplete: " + (answer.reason or ""), style="bold red"))
    return Group(*parts)
