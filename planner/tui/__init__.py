"""``planner tui``: a Textual editor that shows every shape as the network changes.

Imported only by ``planner tui`` (textual stays out of ``import planner``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planner.tui.app import PlannerApp


def make_app(
    source: str | None = None,
    *,
    cache_dir: str | Path | None = None,
    recover: bool = True,
    keymap: dict[str, str] | None = None,
) -> PlannerApp:
    """The editor for ``source`` (a preset name, a YAML/JSON path, or None for a new
    network); the CLI and the tests both start it through here.

    ``cache_dir`` is where unsaved edits are kept (default: the user's cache
    folder); ``recover`` offers kept edits back at start; ``keymap`` remaps keys by
    binding id (``{"file.save": "f2"}``).
    """
    from planner.tui.app import PlannerApp
    from planner.tui.files import open_source

    network, path = open_source(source)
    app = PlannerApp(
        network,
        path=path,
        source=source,
        cache_dir=Path(cache_dir) if cache_dir is not None else None,
        recover=recover,
    )
    if keymap:
        app.set_keymap(keymap)
    return app


def parse_keymap(items: list[str]) -> dict[str, str]:
    """``["file.save=f2"]`` -> ``{"file.save": "f2"}``, checking every id exists.

    >>> parse_keymap(["file.save=f2", "edit.undo=ctrl+u,u"])
    {'file.save': 'f2', 'edit.undo': 'ctrl+u,u'}
    """
    from planner.errors import SpecError
    from planner.tui.bindings import KEYS

    ids = {k.id for k in KEYS}
    out: dict[str, str] = {}
    for item in items:
        binding, sep, keys = item.partition("=")
        if not sep or not keys.strip():
            raise SpecError(
                f"cannot read {item!r}; write ID=KEY, e.g. file.save=f2", field="--keymap"
            )
        if binding.strip() not in ids:
            raise SpecError(
                f"no key binding {binding.strip()!r}; ids: {', '.join(sorted(ids))}",
                field="--keymap",
            )
        out[binding.strip()] = keys.strip()
    return out


__all__ = ["make_app", "parse_keymap"]
