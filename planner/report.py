"""Human-readable reports of inference results (rich tables), shared by the shells."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from planner.long_table import LONG_ROWS, LongTable
from planner.shapes import Inference
from planner.summary import (  # noqa: F401 (the text helpers, for the TUI and the tests)
    COLUMNS,
    HEADER_STYLE,
    PAD_LEGEND,
    Column,
    ColumnSpec,
    Styled,
    Summary,
    bytes_text,
    cost_columns,
    count_text,
    extra_column,
    how,
    pad_text,
    rf_text,
    shape_text,
    summary_of,
    table_rows,
)


def summary_table(result: Inference, extra: list[Column] | None = None) -> Table:
    """The table of ``show`` as a rich ``Table`` (cells: ``Text``)."""
    net = result.network
    columns = [*COLUMNS, *(extra_column(header) for header, _ in extra or [])]
    return _table(
        f"{net.name} ({result.framework}, {net.data_format})",
        columns,
        table_rows(result, extra),
    )


def _table(title: str, columns: list[ColumnSpec], rows: list[list[Styled]]) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False, header_style=HEADER_STYLE)
    for c in columns:
        table.add_column(
            c.header,
            justify=c.justify,  # type: ignore[arg-type]
            overflow=c.overflow,  # type: ignore[arg-type]
            no_wrap=c.no_wrap,
            min_width=c.min_width,
            max_width=c.max_width,
            ratio=c.ratio,
        )
    # Cells are Text, not str: rich would parse every str for markup and emoji codes
    # (a tenth of a large table's cost), and a layer name is not markup.
    for row in rows:
        table.add_row(*[Text(text, style=style or "") for text, style in row])
    return table


def summary(result: Inference, costs: Any = None, *, macs: bool = False, rf: bool = False) -> Group:
    """The table, totals, notes, conditions on symbols, and errors; with ``costs`` (a
    ``planner.cost`` result) the columns ``macs`` / ``rf`` ask for, and their totals
    (``planner.summary.summary_of`` as rich objects)."""
    return summary_group(summary_of(result, costs, macs=macs, rf=rf))


def summary_group(report: Summary) -> Group:
    """A ``Summary`` as rich objects: the table, then a ``Text`` per line."""
    table = _table(report.title, report.columns, report.rows)
    # A long table is drawn row by row (the same text as rich's: planner.long_table).
    parts: list[Any] = [LongTable(table) if len(table.rows) > LONG_ROWS else table]
    parts.extend(Text(text, style=style or "") for text, style in report.lines)
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
