"""The network being edited, with a named undo/redo history and a saved marker.

Networks are frozen pydantic objects, so every step stores whole networks: undo
swaps the current one for the one before, never replays edits. A step is named
for what it did ("conv4.kernel_size 3 -> 5", "fix: zero-pad the output by 1|1") so
the history reads as a list of decisions. The document is *dirty* when the current
state is not the one last saved (textual-paint's ``saved_undo_count`` idea, with a
state id instead of a count so that undoing back to the saved state is clean).

>>> import planner
>>> doc = Document(planner.load("keras-autoencoder"))
>>> doc.apply("rename", doc.network.model_copy(update={"name": "ae"}))
>>> doc.dirty, doc.network.name
(True, 'ae')
>>> doc.undo()
'rename'
>>> doc.dirty, doc.network.name
(False, 'keras-autoencoder')
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

from planner.spec.network import Network

_ids = itertools.count(1)


@dataclass(frozen=True)
class State:
    """One network in the history, and the name of the step that produced it."""

    network: Network
    step: str
    id: int


class Document:
    """The current network, where it came from, and its history."""

    def __init__(
        self,
        network: Network,
        *,
        path: Path | None = None,
        source: str | None = None,
        limit: int = 500,
    ) -> None:
        self._state = State(network, "open", next(_ids))
        self._undo: list[State] = []
        self._redo: list[State] = []
        self.limit = limit
        # A file the user opened or saved (saving goes there); None for presets and new.
        self.path = path
        # What was opened: a preset name, a path, or None for a new network.
        self.source = source
        self._saved_id: int | None = self._state.id

    @property
    def network(self) -> Network:
        return self._state.network

    @property
    def version(self) -> int:
        """Changes whenever the network does (undo and redo included)."""
        return self._state.id

    @property
    def dirty(self) -> bool:
        return self._state.id != self._saved_id

    def mark_saved(self, path: Path | None = None) -> None:
        if path is not None:
            self.path = path
            self.source = str(path)
        self._saved_id = self._state.id

    def mark_unsaved(self) -> None:
        """A recovered network: it exists in no file yet."""
        self._saved_id = None

    def apply(self, step: str, network: Network) -> None:
        """Make ``network`` current as one undoable step named ``step``."""
        self._undo.append(self._state)
        del self._undo[: -self.limit]
        self._redo.clear()
        self._state = State(network, step, next(_ids))

    def undo(self) -> str | None:
        """Go back one step; the name of the step undone, or None at the start."""
        if not self._undo:
            return None
        undone = self._state
        self._state = self._undo.pop()
        self._redo.append(undone)
        return undone.step

    def redo(self) -> str | None:
        if not self._redo:
            return None
        state = self._redo.pop()
        self._undo.append(self._state)
        self._state = state
        return state.step

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def history(self) -> list[tuple[str, str]]:
        """Every step, oldest first, with ``"done"``, ``"current"`` or ``"undone"``."""
        done = [(s.step, "done") for s in self._undo]
        current = [(self._state.step, "current")]
        undone = [(s.step, "undone") for s in reversed(self._redo)]
        return [*done, *current, *undone]
