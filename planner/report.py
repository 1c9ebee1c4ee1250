"""Human-readable reports of inference results (rich tables), shared by the shells."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

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


def summary_table(result: Inference) -> Table:
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
    # Cells are Text, not str: rich would parse every str for markup and emoji codes
    # (a tenth of a large table's cost), and a layer name is not markup.
    table.add_row(
        Text(f"{net.input_name} (input)"), Text(shape_text(result.input_shape)), Text("0"), Text()
    )
    for layer in result.layers:
        params = count_text(layer.params)
        if layer.error:
            table.add_row(
                Text(f"{layer.name} ({layer.type})"),
                Text("error", style="bold red"),
                Text(params),
                Text(layer.error, style="red"),
            )
        else:
            table.add_row(
                Text(f"{layer.name} ({layer.type})"),
                Text(shape_text(layer.output_shape)),
                Text(params or "0"),
                Text(how(layer)),
            )
    return table


PAD_LEGEND = (
    "pad b|a: padding before|after on each axis (top|bottom, left|right), negative "
    "crops; for a transposed convolution, what is cropped from its full output "
    "(n-1)*s + ek (negative: added)"
)


def summary(result: Inference) -> Group:
    """The table, totals, notes, conditions on symbols, and errors."""
    from planner.dialects import layer_notes

    parts: list[Any] = [summary_table(result)]
    parts.append(Text(f"Total params: {count_text(result.total_params)}"))
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
        if result.near is not None:
            near = axis.nearest(result.near)
            verdict = "valid" if axis.contains(result.near) else "not valid"
            sides = [
                f"{word} {near[word]}" if near[word] is not None else f"none {word}"
                for word in ("below", "above")
            ]
            parts.append(Text(f"  {result.near} is {verdict}; nearest valid: {', '.join(sides)}"))
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
