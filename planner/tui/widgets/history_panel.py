"""The named steps of the undo history, oldest first."""

from __future__ import annotations

from textual.widgets import OptionList
from textual.widgets.option_list import Option

MARKS = {"done": "  ", "current": "▶ ", "undone": "↷ "}


class HistoryPanel(OptionList):
    def show(self, steps: list[tuple[str, str]]) -> None:
        self.clear_options()
        self.add_options(
            [Option(MARKS[state] + step, id=f"step-{i}") for i, (step, state) in enumerate(steps)]
        )
        current = next((i for i, (_, s) in enumerate(steps) if s == "current"), None)
        if current is not None:
            self.highlighted = current
