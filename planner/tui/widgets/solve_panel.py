"""Solve in place: unknowns and targets, a run in a worker, ranked solutions to apply.

Unknowns use the CLI's ``LAYER.FIELD[=LO..HI]`` and ``LAYER.FIELD=A,B,C`` syntax
(``conv2d_5.padding``, ``input=16..64``, ``conv1.kernel_size=3,5,7``); fields typed as ``?p`` in the form are unknowns too. Ctrl+G in the
form adds the focused field here.
"""

from __future__ import annotations

import re
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Input, Label, Static, Switch

from planner.report import shape_text
from planner.solver import SolveResult
from planner.tui.messages import EditRequested, RunRequested

# A piece after a comma that starts an entry of its own: it gives a value (``=``) or
# names a field (``LAYER.FIELD``); any other piece is one more value of the entry before.
_STARTS_ENTRY = re.compile(r"=|\.[^\W\d]")


def split_specs(text: str) -> list[str]:
    """Entries separated by spaces or commas, where a comma inside an entry's list of
    values belongs to the entry (the CLI's ``conv1.kernel_size=3,5,7``,
    ``pool1.strides=default,1,2`` and ``LAYER=N,N``).

    >>> split_specs("conv1.padding, conv2.padding input=16..64")
    ['conv1.padding', 'conv2.padding', 'input=16..64']
    >>> split_specs("conv1.kernel_size=3, 5,7 conv3.padding=valid,same pool=14,14")
    ['conv1.kernel_size=3,5,7', 'conv3.padding=valid,same', 'pool=14,14']
    """
    entries: list[str] = []
    for piece in re.split(r"\s*,\s*|\s+", text.strip()):
        if not piece:
            continue
        if entries and "=" in entries[-1] and not _STARTS_ENTRY.search(piece):
            entries[-1] += "," + piece
        else:
            entries.append(piece)
    return entries


class SolvePanel(Vertical):
    """Targets and unknowns, the run, and the ranked solutions."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.result: SolveResult | None = None

    def compose(self) -> ComposeResult:
        yield Label("Unknowns (LAYER.FIELD, =LO..HI or =A,B,C)")
        yield Input(placeholder="conv2d_5.padding input=16..64", id="solve-unknowns", compact=True)
        yield Label("Targets (output=input, LAYER=N, LAYER=OTHER)")
        yield Input("output=input", id="solve-targets", compact=True)
        with Horizontal(classes="row"):
            yield Switch(id="solve-exact")
            yield Label("exact (drop no pixels)", classes="switch-label")
            yield Button("Solve", id="solve-run", variant="primary", compact=True)
        yield Static("", id="solve-summary")
        yield DataTable(id="solve-solutions", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one("#solve-solutions", DataTable)
        table.add_columns("#", "values", "output", "cost")

    def add_unknown(self, spec: str) -> None:
        field = self.query_one("#solve-unknowns", Input)
        specs = split_specs(field.value)
        if spec not in specs:
            specs.append(spec)
        field.value = " ".join(specs)

    @on(Button.Pressed, "#solve-run")
    @on(Input.Submitted, "#solve-unknowns, #solve-targets")
    def run(self, event: Any = None) -> None:
        if event is not None:
            event.stop()
        self.post_message(
            RunRequested(
                "solve",
                split_specs(self.query_one("#solve-targets", Input).value),
                split_specs(self.query_one("#solve-unknowns", Input).value),
                self.query_one("#solve-exact", Switch).value,
            )
        )

    def show_result(self, result: SolveResult | None, note: str = "") -> None:
        self.result = result
        table = self.query_one("#solve-solutions", DataTable)
        table.clear()
        summary = self.query_one("#solve-summary", Static)
        if result is None:
            summary.update(note)
            return
        head = f"{result.total} solution(s)" if result.complete else "partial: "
        if not result.complete:
            head += result.reason or "stopped"
        elif not result.solutions:
            head = f"No solution: {result.reason}"
        summary.update(f"{head} ({result.seconds * 1000:.0f} ms)")
        for i, s in enumerate(result.solutions, start=1):
            values = ", ".join(f"{k}={v}" for k, v in s.values.items())
            table.add_row(str(i), values, shape_text(s.output_shape), str(s.cost), key=str(i))

    @on(DataTable.RowSelected, "#solve-solutions")
    def _apply(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.result is None:
            return
        solution = self.result.solutions[int(str(event.row_key.value)) - 1]
        values = ", ".join(f"{k}={v}" for k, v in solution.values.items())
        self.post_message(EditRequested(f"solve: {values}", self.result.network_for(solution)))
