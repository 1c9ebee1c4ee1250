"""The verified fixes for the current mismatches; Enter applies one (one undo step)."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Input, Label, Static

from planner.fixes import FixResult
from planner.report import shape_text
from planner.tui.messages import EditRequested, RunRequested
from planner.tui.widgets.solve_panel import split_specs


class FixesPanel(Vertical):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.result: FixResult | None = None

    def compose(self) -> ComposeResult:
        yield Label("Targets (optional: output=input, LAYER=N)")
        with Horizontal(classes="row"):
            yield Input(placeholder="output=input", id="fixes-targets", compact=True)
            yield Button("Find", id="fixes-run", variant="primary", compact=True)
        yield Static("", id="fixes-summary")
        yield DataTable(id="fixes-list", cursor_type="row")

    def on_mount(self) -> None:
        self.query_one("#fixes-list", DataTable).add_columns("#", "kind", "fix", "output")

    @on(Button.Pressed, "#fixes-run")
    @on(Input.Submitted, "#fixes-targets")
    def run(self, event: Any = None) -> None:
        if event is not None:
            event.stop()
        targets = split_specs(self.query_one("#fixes-targets", Input).value)
        self.post_message(RunRequested("fixes", targets, []))

    def show_result(self, result: FixResult | None, note: str = "") -> None:
        self.result = result
        table = self.query_one("#fixes-list", DataTable)
        table.clear()
        summary = self.query_one("#fixes-summary", Static)
        if result is None:
            summary.update(note)
            return
        if not result.mismatches:
            summary.update("Nothing to fix: every layer runs and every target is met.")
            return
        lines = [f"{m.layer}: {m.message}" for m in result.mismatches]
        lines.append(f"{len(result.fixes)} verified fix(es); Enter applies one.")
        summary.update("\n".join(lines))
        for f in result.fixes:
            table.add_row(str(f.id), f.kind, f.summary, shape_text(f.output_shape), key=str(f.id))

    @on(DataTable.RowSelected, "#fixes-list")
    def _apply(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.result is None:
            return
        fix = self.result.get(int(str(event.row_key.value)))
        self.post_message(EditRequested(f"fix: {fix.summary}", fix.network))
