"""The terminal's view of a long question: a rich progress bar driven by the budget's
progress callback (see :mod:`planner.budget`).

The bar goes to stderr, only when stderr is a terminal, and only once the question
has run for ``delay`` seconds, so quick answers and scripts (``--json``, pipes) see
nothing of it. Searches report from their own thread at most every 0.1 s; the bar is
refreshed from that callback, without a thread of its own.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from planner.budget import Progress, ProgressCallback


class ProgressDisplay:
    """A callback that shows a rich progress bar once a question runs over ``delay`` s."""

    def __init__(self, console: Any, label: str, *, delay: float = 1.0) -> None:
        self.console = console
        self.label = label
        self.delay = delay
        self.started = time.perf_counter()
        self._bar: Any = None
        self._task: Any = None

    def __call__(self, progress: Progress) -> None:
        if self._bar is None:
            if time.perf_counter() - self.started < self.delay:
                return
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import (
                Progress as Bar,
            )

            self._bar = Bar(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[message]}"),
                console=self.console,
                transient=True,
                auto_refresh=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=progress.total, message="")
        self._bar.update(
            self._task, completed=progress.done, total=progress.total, message=progress.message
        )
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


@contextmanager
def progress_display(console: Any, label: str, enabled: bool) -> Iterator[ProgressCallback | None]:
    """A progress callback for ``console`` (None when ``enabled`` is False or the
    console is not a terminal); the bar is removed when the block ends."""
    if not enabled or not console.is_terminal:
        yield None
        return
    display = ProgressDisplay(console, label)
    try:
        yield display
    finally:
        display.close()
