"""The layer table's rows, from the library's forward inference (nothing computed here).

Each row is keyed by layer name; cells are ``rich.text.Text`` so that no layer name
or message is ever read as markup. Status says what the library said: the error,
"skipped" after an error, the branch that feeds a merge that does not align, or the
conditions a symbolic size must meet.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from planner import Inference
from planner.costs.analysis import CostResult
from planner.report import cost_columns, count_text, pad_text, shape_text
from planner.spec.values import plain
from planner.symbolic.ops import render
from planner.tui.edits import value_text

COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    # key, label, width (None: fit the content)
    ("index", "#", 3),
    ("name", "Layer", None),
    ("type", "Type", None),
    ("output", "Output", None),
    ("params", "Params", None),
    ("padding", "Padding", None),
    ("inputs", "Connected to", None),
    ("args", "Arguments", 30),
    ("status", "Status", 60),
)
COLUMN_KEYS = tuple(c[0] for c in COLUMNS)
# The cost and receptive-field columns (``view: cost columns``), shown after Params;
# their cells are ``planner.report.cost_columns``, as ``planner show --cost --rf``.
COST_COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("macs", "MACs", None),
    ("memory", "Memory", None),
    ("rf", "RF", None),
    ("jump", "Jump", None),
)
_AFTER = COLUMN_KEYS.index("params") + 1


def layout(costs: bool) -> tuple[tuple[str, str, int | None], ...]:
    """The table's columns, with or without the cost columns."""
    return (COLUMNS[:_AFTER] + COST_COLUMNS + COLUMNS[_AFTER:]) if costs else COLUMNS


INPUT_KEY = "\x00input"

ERROR = "bold red"
BRANCH = "red"
SKIPPED = "dim"
CONDITION = "yellow"


@dataclass(frozen=True)
class Row:
    key: str
    values: tuple[str, ...]
    # "ok", "error", "branch" (feeds a merge that fails), "skipped", "condition"
    status: str
    style: str = ""
    columns: tuple[str, ...] = COLUMN_KEYS

    def text(self, column: str) -> str:
        return self.values[self.columns.index(column)]

    def cell(self, index: int) -> Text:
        """The cell as drawn (``Text``: never parsed as markup)."""
        return Text(self.values[index], style=self.style)

    @property
    def cells(self) -> tuple[Text, ...]:
        return tuple(self.cell(i) for i in range(len(self.values)))


def _args(item: dict[str, object]) -> str:
    return " ".join(
        f"{k}={value_text(v)}" for k, v in item.items() if k not in ("type", "name", "inputs")
    )


def build_rows(result: Inference, costs: CostResult | None = None) -> list[Row]:
    """One row for the input, then one per layer, in network order; with ``costs``
    (``planner.cost`` of the same inference) the cost columns too."""
    rows = _base_rows(result)
    if costs is None:
        return rows
    labels = {label: key for key, label, _ in COST_COLUMNS}
    extra = {labels[label]: cells for label, cells in cost_columns(costs, macs=True, rf=True)}
    keys = tuple(key for key, _, _ in layout(True))
    out = []
    for i, row in enumerate(rows):
        cells = dict(zip(COLUMN_KEYS, row.values, strict=True))
        cells.update({key: column[i] for key, column in extra.items()})
        out.append(Row(row.key, tuple(cells[k] for k in keys), row.status, row.style, keys))
    return out


def _base_rows(result: Inference) -> list[Row]:
    net = result.network
    items = net.to_data()["layers"]
    merge_failures: dict[str, str] = {}
    for layer in result.layers:
        is_merge = layer.type in ("concatenate", "add")
        if is_merge and layer.error and not layer.error.startswith("skipped"):
            for source in layer.inputs:
                merge_failures.setdefault(source, layer.name)
    rows = [
        Row(
            INPUT_KEY,
            tuple(
                c
                for c in (
                    "0",
                    net.input_name,
                    "input",
                    shape_text(result.input_shape),
                    "0",
                    "",
                    "",
                    f"{net.framework} {net.data_format}",
                    _input_status(net.input_name, merge_failures),
                )
            ),
            "branch" if net.input_name in merge_failures else "ok",
            BRANCH if net.input_name in merge_failures else "",
        )
    ]
    for i, (layer, item) in enumerate(zip(result.layers, items, strict=True), start=1):
        status, kind, style = "ok", "ok", ""
        if layer.error:
            if layer.error.startswith("skipped"):
                status, kind, style = layer.error, "skipped", SKIPPED
            else:
                status, kind, style = f"✗ {layer.error}", "error", ERROR
        elif layer.conditions:
            status = "if " + "; ".join(f"{c.message} ({render(c.expr)})" for c in layer.conditions)
            kind, style = "condition", CONDITION
        if layer.name in merge_failures and kind != "error":
            status = f"✗ feeds {merge_failures[layer.name]}, which does not align"
            kind, style = "branch", BRANCH
        cells = (
            str(i),
            layer.name,
            layer.type,
            shape_text(layer.output_shape) if layer.output_shape is not None else "-",
            count_text(layer.params) or "0",
            pad_text(layer.padding).removeprefix("pad "),
            ", ".join(layer.inputs),
            _args(item),
            status,
        )
        rows.append(Row(layer.name, cells, kind, style))
    return rows


def _input_status(name: str, merge_failures: dict[str, str]) -> str:
    if name in merge_failures:
        return f"✗ feeds {merge_failures[name]}, which does not align"
    return "ok"


__all__ = [
    "COLUMNS",
    "COLUMN_KEYS",
    "COST_COLUMNS",
    "INPUT_KEY",
    "Row",
    "build_rows",
    "layout",
    "plain",
]
