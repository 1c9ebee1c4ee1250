"""Unsaved edits kept in the user's cache folder, so a crash or a killed terminal
loses nothing; the next start offers them back (harlequin keeps its buffers in
``user_cache_dir`` the same way).

The folder is ``$XDG_CACHE_HOME/planner`` on Linux (platformdirs' ``user_cache_dir``
elsewhere). Writes are atomic: a temporary file renamed over the old one.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.spec.loading import network_from_data
from planner.spec.network import Network

FILE = "autosave-1.json"


def cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("planner", appauthor=False))


@dataclass(frozen=True)
class Recovered:
    network: Network
    source: str | None
    saved_at: float

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        return f"{self.network.name} ({self.source or 'new network'}), edited {when}"


class Autosave:
    """The one autosave slot in ``directory``."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else cache_dir()

    @property
    def path(self) -> Path:
        return self.directory / FILE

    def write(self, network: Network, source: str | None) -> None:
        payload: dict[str, Any] = {
            "version": 1,
            "source": source,
            "saved_at": time.time(),
            "network": network.to_data(),
        }
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".autosave.", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read(self) -> Recovered | None:
        """The kept edits, or None (nothing kept, or unreadable: then it is removed)."""
        try:
            payload = json.loads(self.path.read_text(encoding="utf-8"))
            network = network_from_data(payload["network"], source=str(self.path))
            return Recovered(network, payload.get("source"), float(payload["saved_at"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, PlannerError):
            self.clear()
            return None

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
