"""Every key of the editor in one table: key, id, action, footer label, palette title.

The palette, the footer and the help screen are all generated from ``KEYS``; every
binding has an id, so a user whose terminal multiplexer takes a key can remap it
(``planner tui --keymap file.save=f2``, or ``make_app(keymap={...})``).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Key:
    id: str
    keys: str
    action: str
    label: str  # short, for the footer
    title: str  # namespaced, for the command palette
    help: str
    show: bool = True
    priority: bool = False


KEYS: tuple[Key, ...] = (
    Key("view.edit", "e", "show_tab('edit')", "Edit", "view: edit form", "Edit the selected layer"),
    Key("layer.add", "a", "add_layer", "Add", "layer: add", "Append a layer at the end"),
    Key("layer.insert", "i", "insert_layer", "Insert", "layer: insert after",
        "Insert a layer after the selected one"),
    Key("layer.delete", "delete,backspace", "delete_layer", "Del", "layer: delete",
        "Delete the selected layer (its readers read its input)", show=False),
    Key("layer.duplicate", "d", "duplicate_layer", "Dup", "layer: duplicate",
        "Copy the selected layer below itself", show=False),
    Key("layer.move_up", "shift+up,K", "move_layer(-1)", "Move up", "layer: move up",
        "Move the selected layer up", show=False),
    Key("layer.move_down", "shift+down,J", "move_layer(1)", "Move down", "layer: move down",
        "Move the selected layer down", show=False),
    Key("layer.rename", "r", "rename_layer", "Rename", "layer: rename",
        "Rename the selected layer and every reference to it", show=False),
    Key("edit.undo", "ctrl+z", "undo", "Undo", "edit: undo", "Undo the last step"),
    Key("edit.redo", "ctrl+y", "redo", "Redo", "edit: redo", "Redo the step undone"),
    Key("solve.panel", "s", "show_tab('solve')", "Solve", "solve: open solver",
        "Unknowns and targets, then solve"),
    Key("solve.run", "ctrl+r", "run_panel", "Run", "solve: run",
        "Run the solver, fixes or valid inputs of the open panel", show=False),
    Key("solve.inputs", "v", "show_tab('inputs')", "Inputs", "solve: valid inputs",
        "The valid input sizes in closed form"),
    Key("solve.fixes", "f", "show_fixes", "Fixes", "solve: fixes",
        "Verified fixes for the current mismatches"),
    Key("solve.cancel", "escape", "cancel_work", "Cancel", "solve: cancel",
        "Cancel the running solve, fixes or inputs search", show=False),
    Key("view.explain", "x", "show_tab('explain')", "Explain", "view: explain",
        "Formula, padding picture and the layer in other frameworks", show=False),
    Key("view.history", "h", "show_tab('history')", "History", "view: history",
        "The named undo history", show=False),
    Key("view.panel", "t", "toggle_panel", "Panel", "view: toggle side panel",
        "Hide or show the side panel", show=False),
    Key("view.table", "ctrl+t", "focus_table", "Table", "view: focus table",
        "Put the focus back on the layer table", show=False),
    Key("view.help", "f1,question_mark", "help", "Help", "view: help", "Keys and how to edit"),
    Key("file.preset", "p", "open_preset", "Preset", "file: open preset",
        "Open a bundled preset network", show=False),
    Key("file.open", "ctrl+o", "open_file", "Open", "file: open", "Open a YAML or JSON network",
        show=False),
    Key("file.new", "ctrl+n", "new_network", "New", "file: new", "Start a new network",
        show=False),
    Key("file.save", "ctrl+s", "save", "Save", "file: save", "Save to the network's file"),
    Key("file.save_as", "S", "save_as", "Save as", "file: save as",
        "Save to a new file (never overwrites without asking)", show=False),
    Key("file.quit", "ctrl+q", "quit_app", "Quit", "file: quit",
        "Quit (asks first when there are unsaved edits)", priority=True),
)  # fmt: skip


def bindings() -> list[Binding]:
    return [
        Binding(k.keys, k.action, k.label, show=k.show, id=k.id, priority=k.priority) for k in KEYS
    ]


def key_display(keys: str) -> str:
    """``shift+up,K`` -> ``shift+up / K`` for the palette and the help screen."""
    return " / ".join(part.replace("question_mark", "?") for part in keys.split(","))
