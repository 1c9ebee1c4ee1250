"""Long questions (solve, fixes, valid inputs) in thread workers, with progress.

Each run gets a ``threading.Event`` as its cancel token (the budget contract of
``planner.budget``): Esc sets it, a new run of the same kind sets it, and any edit
sets it for solve and fixes, whose answers would be stale. Progress arrives through
``call_from_thread``; an answer for a network that is no longer current is dropped.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

import planner
from planner.budget import Progress
from planner.errors import PlannerError

if TYPE_CHECKING:
    from planner.tui.app import PlannerApp

TIME_BUDGET = {"solve": 30.0, "fixes": 20.0, "inputs": 5.0}
PROGRESS_HZ = 4


class YieldingCancel:
    """The cancel token handed to the library: the run's ``threading.Event``, and a
    moment for the UI thread each time the search looks at it.

    A search in a thread holds the GIL for a whole switch interval (5 ms) whenever
    the UI thread gives it up in a system call, and the event loop makes many such
    calls per key press, so keys would wait seconds. ``Budget`` looks at the token
    every few hundred steps; sleeping for a moment there hands the GIL to the UI.
    """

    def __init__(self, event: threading.Event, pause: float = 0.0) -> None:
        self.event = event
        self.pause = pause

    def __call__(self) -> bool:
        time.sleep(self.pause)
        return self.event.is_set()


class Runs:
    """The app's running questions, one per kind.

    While one runs, the interpreter switches threads every 0.1 ms instead of 5 ms:
    the UI thread gives the GIL up at every system call of its event loop and would
    otherwise wait a whole interval to get it back each time (the convoy effect),
    which makes a key press take seconds during a search.
    """

    SWITCH_INTERVAL = 0.0001

    def __init__(self, app: PlannerApp) -> None:
        self.app = app
        self.cancels: dict[str, threading.Event] = {}
        self.running: set[str] = set()
        self._interval = sys.getswitchinterval()

    def start(
        self, kind: str, targets: list[str], unknowns: list[str], exact: bool = False
    ) -> None:
        self.cancel(kind)
        event = threading.Event()
        self.cancels[kind] = event
        net = self.app.document.network
        version = self.app.document.version
        self.running.add(kind)
        sys.setswitchinterval(self.SWITCH_INTERVAL)
        if kind != "inputs":
            self.app.show_progress(kind, None, "starting")

        shown = [0.0]

        def progress(p: Progress) -> None:
            # valid inputs refresh quietly after every edit; only asked-for runs show,
            # at most PROGRESS_HZ times a second (each repaint costs the UI thread).
            now = time.perf_counter()
            if kind == "inputs" or event.is_set() or now - shown[0] < 1 / PROGRESS_HZ:
                return
            shown[0] = now
            self._post(self.app.show_progress, kind, p.fraction, p.message)

        def job() -> None:
            result: Any
            try:
                result = _ask(kind, net, targets, unknowns, exact, progress, YieldingCancel(event))
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
        if not self.running:
            sys.setswitchinterval(self._interval)


def _ask(
    kind: str,
    net: Any,
    targets: list[str],
    unknowns: list[str],
    exact: bool,
    progress: Any,
    cancel: YieldingCancel,
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
