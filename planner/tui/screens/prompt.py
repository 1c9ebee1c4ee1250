"""Ask for one line of text (a path to open or save to, a new layer name)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Static


class PathSuggester(Suggester):
    """Completes the last part of a path from the files that exist."""

    async def get_suggestion(self, value: str) -> str | None:
        from pathlib import Path

        path = Path(value).expanduser()
        folder, stem = (path, "") if value.endswith("/") else (path.parent, path.name)
        try:
            for entry in sorted(folder.iterdir()):
                if entry.name.startswith(stem) and entry.name != stem:
                    return (
                        value[: len(value) - len(stem)]
                        + entry.name
                        + ("/" if entry.is_dir() else "")
                    )
        except OSError:
            return None
        return None


class PromptDialog(ModalScreen[str | None]):
    """Dismisses with the text (Enter) or None (Esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel")
    ]

    def __init__(self, question: str, value: str = "", *, paths: bool = False) -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.paths = paths

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="question")
            yield Input(
                self.value,
                id="prompt-input",
                suggester=PathSuggester(use_cache=False) if self.paths else None,
            )
            yield Static("Enter to confirm, Esc to cancel", classes="hint")

    def on_mount(self) -> None:
        field = self.query_one("#prompt-input", Input)
        field.focus()
        if not self.paths:
            field.select_all()  # typing replaces a name; a path is usually extended

    @on(Input.Submitted)
    def _done(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
