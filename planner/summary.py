"""What ``planner show`` reports, as plain data: the table's columns, its rows of cells
and the lines under it, each cell and line a text with an optional style.

Nothing here imports rich: ``planner.report`` turns a ``Summary`` into rich objects
(the TUI and anything else that prints through rich), and ``planner.summary_text``
writes it as the same text rich prints, without importing rich, for ``show``.

>>> import planner
>>> report = summary_of(planner.infer(planner.load("keras-autoencoder")))
>>> report.rows[1]
[('conv2d (conv)', None), ('(28, 28, 16)', None), ('160', None), ('28 (same), pad 1|1', None)]
>>> report.lines[0]
('Total params: 4,385', None)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from planner.shapes import Inference, LayerResult
from planner.symbolic.ops import is_int, render, to_int

# A text and its rich style (``None``: no style); a cell of the table or a line under it.
Styled = tuple[str, str | None]

# One extra column of the summary: header, then one cell per row (input row first).
Column = tuple[str, list[str]]


@dataclass(frozen=True)
class ColumnSpec:
    """A column of the table, with the layout options rich's ``Table.add_column`` takes."""

    header: str
    justify: str = "left"
    overflow: str = "ellipsis"
    no_wrap: bool = False
    min_width: int | None = None
    max_width: int | None = None
    ratio: int | None = None


# The four columns every summary has; cost columns come after them (``EXTRA``).
COLUMNS = (
    ColumnSpec("Layer (type)", no_wrap=True, max_width=34),
    ColumnSpec("Output shape", overflow="fold", ratio=2),
    ColumnSpec("Params", justify="right", no_wrap=True, min_width=6),
    ColumnSpec("How", overflow="fold", ratio=3),
)


def extra_column(header: str) -> ColumnSpec:
    """A cost or receptive-field column (``--cost``, ``--rf``)."""
    return ColumnSpec(header, justify="right", overflow="fold")


TITLE_STYLE = "table.title"  # rich's theme: italic
HEADER_STYLE = "bold"


@dataclass
class Summary:
    """The table of ``show`` (title, columns, rows of cells) and the lines under it."""

    title: str
    columns: list[ColumnSpec]
    rows: list[list[Styled]]
    lines: list[Styled]


_INT = {int}


def shape_text(shape: Any) -> str:
    """``(28, 28, 1)``; a symbolic size as its formula."""
    if shape is None:
        return "-"
    if set(map(type, shape)) <= _INT:  # plain numbers: render(d) is str(d)
        return "(" + ", ".join(map(str, shape)) + ")"
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
    if all(set(map(type, pair)) <= _INT for pair in padding):
        parts = [f"{b}|{a}" for b, a in padding]
    else:
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


def table_rows(result: Inference, extra: list[Column] | None = None) -> list[list[Styled]]:
    """The table's rows: the input, then one row per layer (an error in red)."""
    net = result.network
    extra = extra or []
    cells: list[list[Styled]] = [
        [(v, None) for v in row] for row in zip(*(vs for _, vs in extra), strict=True)
    ] or [[] for _ in range(len(result.layers) + 1)]
    rows: list[list[Styled]] = [
        [
            (f"{net.input_name} (input)", None),
            (shape_text(result.input_shape), None),
            ("0", None),
            ("", None),
            *cells[0],
        ]
    ]
    shown = {spec.name: spec.shown_type for spec in net.layers}  # min_pool, sum_pool
    for layer, more in zip(result.layers, cells[1:], strict=True):
        params = count_text(layer.params)
        name = f"{layer.name} ({shown.get(layer.name, layer.type)})"
        if layer.error:
            rows.append(
                [(name, None), ("error", "bold red"), (params, None), (layer.error, "red"), *more]
            )
        else:
            rows.append(
                [
                    (name, None),
                    (shape_text(layer.output_shape), None),
                    (params or "0", None),
                    (how(layer), None),
                    *more,
                ]
            )
    return rows


PAD_LEGEND = (
    "pad b|a: padding before|after on each axis (top|bottom, left|right), negative "
    "crops; for a transposed convolution, what is cropped from its full output "
    "(n-1)*s + ek (negative: added)"
)


def summary_of(
    result: Inference, costs: Any = None, *, macs: bool = False, rf: bool = False
) -> Summary:
    """The table, totals, notes, conditions on symbols, and errors; with ``costs`` (a
    ``planner.cost`` result) the columns ``macs`` / ``rf`` ask for, and their totals."""
    from planner.dialects import layer_notes

    net = result.network
    extra = cost_columns(costs, macs=macs, rf=rf) if costs is not None else []
    lines: list[Styled] = [(f"Total params: {count_text(result.total_params)}", None)]
    if costs is not None and macs:
        lines.extend(cost_totals(costs))
    lines.append((f"Output shape: {shape_text(result.output_shape)}", None))
    if any(layer.padding for layer in result.layers):
        lines.append((PAD_LEGEND, "dim"))
    for name, note in layer_notes(net):
        lines.append((f"note ({name}): {note}", "yellow"))
    if result.conditions:
        lines.extend(_validity(result))
    error = result.first_error
    if error is not None:
        lines.append((f"Error in layer '{error.name}': {error.error}", "bold red"))
    return Summary(
        title=f"{net.name} ({result.framework}, {net.data_format})",
        columns=[*COLUMNS, *(extra_column(header) for header, _ in extra)],
        rows=table_rows(result, extra),
        lines=lines,
    )


def _validity(result: Inference) -> list[Styled]:
    """When sizes are symbolic: the valid input sizes in closed form when planner can
    derive them, else the raw conditions (deduplicated, the first ten)."""
    from planner.errors import PlannerError
    from planner.solver.inputs import valid_inputs

    try:
        analysis = valid_inputs(result.network)
    except PlannerError:
        analysis = None
    if analysis is not None and all(a.progressions or not a.notes for a in analysis.axes.values()):
        lines: list[Styled] = [("Valid input sizes (planner inputs):", "bold")]
        for name, axis in analysis.axes.items():
            texts = [p.text(name) for p in axis.progressions] or ["none"]
            shown = "; ".join(texts[:3]) + (
                f"; ... ({len(texts) - 3} more)" if len(texts) > 3 else ""
            )
            lines.append((f"  {shown}", None))
        return lines
    lines = [("Valid when:", "bold")]
    seen: list[str] = []
    for c in result.conditions:
        text = f"  {c.layer}: {render(c.expr)}  ({c.message})"
        if text not in seen:
            seen.append(text)
    lines.extend((t, None) for t in seen[:10])
    if len(seen) > 10:
        lines.append((f"  ... and {len(seen) - 10} more (--json lists them all)", None))
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
    parts = [_size_text(s) if s is not None else "-" for s in sizes]
    return parts[0] if len(set(parts)) == 1 else "x".join(parts)


def _size_text(value: Any) -> str:
    """``render(value)``; a number (a jump is a ``Fraction``) without sympy, whose
    printer writes a fraction as ``str`` does: ``3``, ``1/2``."""
    return str(value) if type(value) in (int, Fraction) else render(value)


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


def cost_totals(costs: Any) -> list[Styled]:
    """Total MACs and FLOPs, memory for the dtype and batch."""
    return [
        (
            f"Total MACs: {count_text(costs.total_macs)} (FLOPs = 2 x MACs: "
            f"{count_text(costs.total_flops)}); other ops: {count_text(costs.total_ops)}",
            None,
        ),
        (
            f"Memory ({costs.dtype}, batch {costs.batch}): activations "
            f"{bytes_text(costs.activation_bytes)} (all kept, as in training), forward peak "
            f"{bytes_text(costs.peak_bytes) or '(at numeric sizes)'}, input {bytes_text(costs.input_bytes)}, params "
            f"{bytes_text(costs.param_bytes)}",
            None,
        ),
    ]
