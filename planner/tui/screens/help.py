"""The help screen: every key (as currently mapped) and how editing works."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from planner.tui.bindings import KEYS, key_display

HOW = """\
Select a layer in the table; its fields are in the Edit panel (e). Type a value and
press Enter to apply it (one undo step); an invalid value shows the library's message
under the field and is not applied; Esc reverts the form. Select the input row to
change the input shape (numbers or symbols such as H), framework and data format.
Type ?p in a field, or press Ctrl+G there, to leave it to the solver (s).
"""


def keys_table(keymap: Mapping[str, str]) -> Table:
    table = Table("Key", "Command", "What it does", header_style="bold", expand=True)
    for k in KEYS:
        table.add_row(key_display(keymap.get(k.id, k.keys)), k.title, k.help)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1,question_mark", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, keymap: Mapping[str, str]) -> None:
        super().__init__()
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help"):
            yield Static(HOW)
            yield Static(keys_table(self.keymap))
            yield Static("Esc closes this screen. Ctrl+P opens the command palette.")
