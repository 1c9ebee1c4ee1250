"""Files, and nothing lost: open, save, save as, the unsaved-changes prompt, autosave.

Saving goes through ``planner.write_network`` (an atomic write). A file is only
overwritten when it is the network's own file or the user said so in a prompt.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

import planner
from planner.errors import PlannerError
from planner.spec.network import Network
from planner.tui.screens.choice import ChoiceDialog
from planner.tui.screens.picker import PickerDialog
from planner.tui.screens.prompt import PromptDialog

if TYPE_CHECKING:
    from planner.tui.app import PlannerApp

SAVE_PROMPT = [("Save", "save"), ("Discard", "discard"), ("Cancel", "cancel")]


def new_network() -> Network:
    return planner.load(
        {"name": "network", "framework": "keras", "input_shape": [28, 28, 1], "layers": []}
    )


def open_source(source: str | None) -> tuple[Network, Path | None]:
    """The network of a preset name or file path (None: a new one), and its file."""
    if source is None:
        return new_network(), None
    network = planner.load(source)
    path = Path(source)
    return network, (path if path.is_file() else None)


def write(net: Network, path: Path, *, overwrite: bool, original: str | None = None) -> Path:
    """``planner.write_network``: an existing file is edited in place (the user's
    comments and spellings kept); a new one starts from ``original``, the text of
    the file the network came from, when there is one."""
    return planner.write_network(net, path, overwrite=overwrite, original=original)


def source_text(doc_path: Path | None, source: str | None) -> str | None:
    """The text the network was loaded from: its file, or the preset's file."""
    from planner.presets import resolve

    candidates = [doc_path] if doc_path is not None else []
    if source is not None:
        with contextlib.suppress(PlannerError):
            candidates.append(resolve(source))
    for path in candidates:
        try:
            return Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    return None


class FileActions:
    """The app's file actions (mixed into ``PlannerApp``)."""

    async def ask_to_save(self: PlannerApp) -> bool:  # type: ignore[misc]
        """Before the network is replaced: True when it is fine to go on."""
        if not self.document.dirty:
            return True
        choice = await self.push_screen_wait(
            ChoiceDialog(
                f"{self.document.network.name} has unsaved changes. Save them?", SAVE_PROMPT
            )
        )
        if choice == "save":
            return await self.save_document(ask_path=False)
        return choice == "discard"

    async def save_document(self: PlannerApp, *, ask_path: bool) -> bool:  # type: ignore[misc]
        doc = self.document
        path = doc.path
        overwrite = path is not None
        if ask_path or path is None:
            default = str(path or Path.cwd() / f"{doc.network.name}.yaml")
            text = await self.push_screen_wait(
                PromptDialog("Save the network as (YAML):", default, paths=True)
            )
            if not text:
                return False
            chosen = Path(text).expanduser()
            if chosen.suffix.lower() not in (".yaml", ".yml", ".json"):
                chosen = chosen.with_suffix(".yaml")
            overwrite = chosen == path
            if chosen.exists() and not overwrite:
                answer = await self.push_screen_wait(
                    ChoiceDialog(
                        f"{chosen} exists. Overwrite it?",
                        [("Overwrite", "overwrite"), ("Cancel", "cancel")],
                    )
                )
                if answer != "overwrite":
                    return False
                overwrite = True
            path = chosen
        assert path is not None
        original = None if overwrite else source_text(doc.path, doc.source)
        try:
            written = write(doc.network, path, overwrite=overwrite, original=original)
        except (PlannerError, OSError) as exc:
            self.notify(f"Not saved: {exc}", severity="error", timeout=8)
            return False
        doc.mark_saved(Path(written))
        self.autosave.clear()
        self.notify(f"Saved {written}", timeout=3)
        self.update_title()
        return True

    async def replace_document(self: PlannerApp, source: str | None) -> None:  # type: ignore[misc]
        if not await self.ask_to_save():
            return
        try:
            network, path = open_source(source)
        except PlannerError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        await self.load_document(network, path=path, source=source)

    def action_save(self: PlannerApp) -> None:  # type: ignore[misc]
        self.run_worker(self.save_document(ask_path=False), group="dialog")

    def action_save_as(self: PlannerApp) -> None:  # type: ignore[misc]
        self.run_worker(self.save_document(ask_path=True), group="dialog")

    def action_open_preset(self: PlannerApp) -> None:  # type: ignore[misc]
        async def flow() -> None:
            items = []
            for name in planner.preset_names():
                net = planner.load(name)
                items.append((name, f"{name}: {net.description or net.framework}"))
            name = await self.push_screen_wait(PickerDialog("Open a preset", items))
            if name:
                await self.replace_document(name)

        self.run_worker(flow(), group="dialog")

    def action_open_file(self: PlannerApp) -> None:  # type: ignore[misc]
        async def flow() -> None:
            text = await self.push_screen_wait(
                PromptDialog("Open a network file (YAML or JSON):", f"{Path.cwd()}/", paths=True)
            )
            if text:
                await self.replace_document(str(Path(text).expanduser()))

        self.run_worker(flow(), group="dialog")

    def action_new_network(self: PlannerApp) -> None:  # type: ignore[misc]
        self.run_worker(self.replace_document(None), group="dialog")

    def action_quit_app(self: PlannerApp) -> None:  # type: ignore[misc]
        async def flow() -> None:
            if await self.ask_to_save():
                # Saved or discarded on purpose: nothing left to recover.
                self.autosave.clear()
                self.exit()

        self.run_worker(flow(), group="dialog")

    def schedule_autosave(self: PlannerApp) -> None:  # type: ignore[misc]
        if self._autosave_timer is not None:
            self._autosave_timer.stop()
        self._autosave_timer = self.set_timer(self.AUTOSAVE_DELAY, self.write_autosave)

    def write_autosave(self: PlannerApp) -> None:  # type: ignore[misc]
        self._autosave_timer = None
        try:
            if self.document.dirty:
                self.autosave.write(self.document.network, self.document.source)
            else:
                self.autosave.clear()
        except OSError as exc:
            self.notify(
                f"Cannot keep unsaved edits in {self.autosave.directory}: {exc}", severity="warning"
            )

    async def offer_recovery(self: PlannerApp) -> None:  # type: ignore[misc]
        recovered = self.autosave.read()
        if recovered is None:
            return
        choice = await self.push_screen_wait(
            ChoiceDialog(
                f"Unsaved edits were kept from a session that did not close:\n"
                f"{recovered.describe()}.\nRecover them?",
                [("Recover", "recover"), ("Discard", "discard")],
                cancel_value="keep",
            )
        )
        if choice == "recover":
            source = recovered.source
            path = Path(source) if source and Path(source).is_file() else None
            await self.load_document(recovered.network, path=path, source=source, dirty=True)
            self.notify("Recovered unsaved edits", timeout=3)
        elif choice == "discard":
            self.autosave.clear()


__all__ = ["FileActions", "open_source", "write"]
