"""Long questions (solve, fixes, valid inputs) in thread workers, with progress.

Each run gets a ``threading.Event`` as its cancel token (the budget contract of
``planner.budget``): Esc sets it, a new run of the same kind sets it, and any edit
sets it for solve and fixes, whose answers would be stale. Progress arrives through
``call_from_thread``; an answer for a network that is no longer current is dropped.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any

import planner
from planner.budget import Progress
from planner.errors import PlannerError

if TYPE_CHECKING:
    from planner.tui.app import PlannerApp

TIME_BUDGET = {"solve": 30.0, "fixes": 20.0, "inputs": 5.0}


class Runs:
    """The app's running questions, one per kind."""

    def __init__(self, app: PlannerApp) -> None:
        self.app = app
        self.cancels: dict[str, threading.Event] = {}
        self.running: set[str] = set()

    def start(
        self, kind: str, targets: list[str], unknowns: list[str], exact: bool = False
    ) -> None:
        self.cancel(kind)
        event = threading.Event()
        self.cancels[kind] = event
        net = self.app.document.network
        version = self.app.document.version
        self.running.add(kind)
        if kind != "inputs":
            self.app.show_progress(kind, None, "starting")

        def progress(p: Progress) -> None:
            # valid inputs refresh quietly after every edit; only asked-for runs show.
            if kind != "inputs" and not event.is_set():
                self._post(self.app.show_progress, kind, p.fraction, p.message)

        def job() -> None:
            result: Any
            try:
                result = _ask(kind, net, targets, unknowns, exact, progress, event)
            except PlannerError as exc:
                result = exc
            self._post(self.app.work_done, kind, version, event, result)

        self.app.run_worker(
            job, thread=True, group=kind, exclusive=True, exit_on_error=False, name=kind
        )

    def _post(self, callback: Any, *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the app has closed meanwhile
            self.app.call_from_thread(callback, *args)

    def cancel(self, kind: str) -> bool:
        event = self.cancels.get(kind)
        if event is not None and not event.is_set() and kind in self.running:
            event.set()
            return True
        return False

    def cancel_stale(self) -> list[str]:
        """An edit happened: answers of solve and fixes would be about an old network."""
        return [k for k in ("solve", "fixes", "inputs") if self.cancel(k)]

    def finished(self, kind: str) -> None:
        self.running.discard(kind)


def _ask(
    kind: str,
    net: Any,
    targets: list[str],
    unknowns: list[str],
    exact: bool,
    progress: Any,
    cancel: threading.Event,
) -> Any:
    budget = TIME_BUDGET[kind]
    if kind == "solve":
        return planner.solve(
            net,
            targets,
            unknowns=unknowns,
            exact=exact,
            time_budget=budget,
            progress=progress,
            cancel=cancel,
        )
    if kind == "fixes":
        return planner.fixes(
            net, targets, exact=exact, time_budget=budget, progress=progress, cancel=cancel
        )
    return planner.valid_inputs(net, time_budget=budget, progress=progress, cancel=cancel)
