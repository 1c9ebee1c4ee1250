"""The editor's layer actions: add, insert, delete, duplicate, move, rename, undo, redo.

Each runs one function of :mod:`planner.tui.edits` through ``PlannerApp.try_edit``, so
a refused edit is a notification and an accepted one a single named undo step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from planner.spec.network import Network
from planner.tui import edits
from planner.tui.rows import INPUT_KEY
from planner.tui.screens.picker import PickerDialog
from planner.tui.screens.prompt import PromptDialog

if TYPE_CHECKING:
    from planner.tui.app import PlannerApp


class LayerActions:
    """Mixed into ``PlannerApp``."""

    def _layer_selected(self: PlannerApp) -> str | None:  # type: ignore[misc]
        return self.selected if self.selected != INPUT_KEY else None

    def _pick_type(self: PlannerApp, then: Any) -> None:
        items = [(t, t) for t in edits.ADDABLE]
        self.push_screen(PickerDialog("Layer type", items), then)

    def action_add_layer(self: PlannerApp) -> None:
        def chosen(layer_type: str | None) -> None:
            if layer_type:
                before = self.document.network
                self.try_edit(
                    f"add {layer_type}",
                    edits.insert_layer,
                    layer_type,
                    None,
                    select=lambda net: edits.added_name(before, net),
                )

        self._pick_type(chosen)

    def action_insert_layer(self: PlannerApp) -> None:
        after = self._layer_selected() or self.document.network.input_name

        def chosen(layer_type: str | None) -> None:
            if layer_type:
                before = self.document.network
                self.try_edit(
                    f"insert {layer_type} after {after}",
                    edits.insert_layer,
                    layer_type,
                    after,
                    select=lambda net: edits.added_name(before, net),
                )

        self._pick_type(chosen)

    def action_delete_layer(self: PlannerApp) -> None:
        name = self._layer_selected()
        if name is None:
            self.notify("Select a layer to delete (the input cannot be)", severity="warning")
            return
        index = self.document.network.layer_names.index(name)

        def neighbour(net: Network) -> str:
            names = net.layer_names
            return names[min(index, len(names) - 1)] if names else INPUT_KEY

        self.try_edit(f"delete {name}", edits.delete_layer, name, select=neighbour)

    def action_duplicate_layer(self: PlannerApp) -> None:
        name = self._layer_selected()
        if name is not None:
            before = self.document.network
            self.try_edit(
                f"duplicate {name}",
                edits.duplicate_layer,
                name,
                select=lambda net: edits.added_name(before, net),
            )

    def action_move_layer(self: PlannerApp, offset: int) -> None:
        name = self._layer_selected()
        if name is not None:
            word = "up" if offset < 0 else "down"
            self.try_edit(f"move {name} {word}", edits.move_layer, name, offset, select=name)

    def action_rename_layer(self: PlannerApp) -> None:
        name = self._layer_selected()
        if name is None:
            return

        def chosen(new: str | None) -> None:
            if new and new != name:
                self.try_edit(f"rename {name} -> {new}", edits.rename_layer, name, new, select=new)

        self.push_screen(PromptDialog(f"Rename {name} to:", name), chosen)

    async def action_undo(self: PlannerApp) -> None:
        step = self.document.undo()
        if step is None:
            self.notify("Nothing to undo", timeout=2)
            return
        self.runs.cancel_stale()
        await self.refresh_view()
        self.schedule_autosave()
        self.notify(f"Undid: {step}", timeout=2)

    async def action_redo(self: PlannerApp) -> None:
        step = self.document.redo()
        if step is None:
            self.notify("Nothing to redo", timeout=2)
            return
        self.runs.cancel_stale()
        await self.refresh_view()
        self.schedule_autosave()
        self.notify(f"Redid: {step}", timeout=2)
