"""Ask for the framework and the file of ``file: export source``."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

from planner.tui.screens.prompt import PathSuggester

FRAMEWORKS = ("keras", "torch", "flax")


def default_path(folder: Path, name: str, framework: str) -> str:
    """``folder/keras_autoencoder_torch.py``: a file name Python can import."""
    stem = "".join(c if c.isalnum() else "_" for c in name) or "network"
    return str(folder / f"{stem}_{framework}.py")


class ExportDialog(ModalScreen[tuple[str, str] | None]):
    """Dismisses with ``(framework, path)`` (Enter in the path) or None (Esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel")
    ]

    def __init__(self, name: str, framework: str, folder: Path) -> None:
        super().__init__()
        self.network_name = name
        self.folder = folder
        self.framework = framework if framework in FRAMEWORKS else FRAMEWORKS[0]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Export the network as Python source:", classes="question")
            yield Select(
                [(f, f) for f in FRAMEWORKS],
                value=self.framework,
                allow_blank=False,
                id="export-framework",
            )
            yield Input(
                default_path(self.folder, self.network_name, self.framework),
                id="export-path",
                suggester=PathSuggester(use_cache=False),
            )
            yield Static("Enter in the path to export, Esc to cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @on(Select.Changed, "#export-framework")
    def _framework(self, event: Select.Changed) -> None:
        field = self.query_one("#export-path", Input)
        # The path follows the framework until the user types one of their own.
        if field.value == default_path(self.folder, self.network_name, self.framework):
            field.value = default_path(self.folder, self.network_name, str(event.value))
        self.framework = str(event.value)

    @on(Input.Submitted, "#export-path")
    def _done(self, event: Input.Submitted) -> None:
        event.stop()
        path = event.value.strip()
        self.dismiss((self.framework, path) if path else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
