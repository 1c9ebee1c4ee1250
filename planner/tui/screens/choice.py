"""A question with buttons (Save / Discard / Cancel, Recover / Discard, Overwrite / Cancel)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ChoiceDialog(ModalScreen[str]):
    """Dismisses with the chosen button's value; Esc chooses ``cancel_value``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel")
    ]

    def __init__(
        self, question: str, choices: list[tuple[str, str]], cancel_value: str = "cancel"
    ) -> None:
        super().__init__()
        self.question = question
        self.choices = choices
        self.cancel_value = cancel_value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="question")
            with Horizontal(classes="buttons"):
                for i, (label, value) in enumerate(self.choices):
                    yield Button(
                        label, id=f"choice-{value}", variant="primary" if i == 0 else "default"
                    )

    @on(Button.Pressed)
    def _chosen(self, event: Button.Pressed) -> None:
        self.dismiss((event.button.id or "").removeprefix("choice-"))

    def action_cancel(self) -> None:
        self.dismiss(self.cancel_value)
