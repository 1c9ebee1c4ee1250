"""Budgets for every search: a time limit, a state (memory) bound, progress and cancel.

Every question that can take long (``solve``, ``valid_inputs``, ``fixes``) takes the
same three keyword arguments, so the CLI, scripts and the terminal UI drive them alike:

- ``time_budget``: seconds; the search checks it inside its loops and returns an
  honest partial answer (``complete=False`` and a ``reason``) when it runs out;
- ``progress``: a callable given a :class:`Progress` now and then (at most every
  ``Budget.interval`` seconds, and once at the end), from the thread that searches;
- ``cancel``: a ``threading.Event`` (or any callable returning ``bool``); once set,
  the search stops at its next check and returns what it has, with a reason that
  starts with ``"cancelled"``.

A search owns one :class:`Budget` and calls :meth:`Budget.check` in its inner loops;
``check`` is cheap (a clock read every few hundred calls), so it can sit in the
innermost loop. A budget also bounds memory: a search that keeps states asks
:meth:`Budget.over_memory` with its count and estimated bytes, and stops with an
honest partial answer (reason ``"memory"``) instead of growing until the machine
kills it. Nested searches share one budget through :meth:`Budget.child`, so a
question made of many searches (``fixes``) still ends within its own limit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

ProgressCallback = Callable[["Progress"], None]
CancelToken = threading.Event | Callable[[], bool]


@dataclass(frozen=True)
class Progress:
    """Where a search is: ``done`` of ``total`` steps (``total`` None when unknown)."""

    task: str
    done: int
    total: int | None
    message: str
    elapsed: float

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.done / self.total)


class Budget:
    """The limits of one search, and its progress reporting.

    >>> b = Budget(task="solve", seconds=5)
    >>> b.check() is None
    True
    >>> b.cancel_token = lambda: True
    >>> b.check(force=True)
    'cancelled'
    """

    interval = 0.1
    # Look at the clock every this many checks. A clock read costs well under a
    # microsecond and one step of a search tens of microseconds (milliseconds on a
    # loaded machine), so a small number keeps the overshoot small everywhere.
    every = 8

    # Default memory bound: states kept, and their estimated bytes.
    MAX_STATES = 2_000_000
    MAX_BYTES = 1 << 30

    def __init__(
        self,
        *,
        task: str,
        seconds: float = 10.0,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        max_states: int | None = None,
        max_bytes: int | None = None,
        deadline: float | None = None,
    ) -> None:
        self.task = task
        self.started = time.perf_counter()
        # A child budget keeps its parent's deadline, whatever its own seconds say.
        self.seconds = seconds if deadline is None else max(0.0, deadline - self.started)
        self.max_states = max_states if max_states is not None else self.MAX_STATES
        self.max_bytes = max_bytes if max_bytes is not None else self.MAX_BYTES
        self.progress = progress
        self.cancel_token = cancel
        self._calls = 0
        self._last_report = 0.0
        # What a search made of several is doing now, for an honest partial answer.
        self.task_step = task
        self.stopped: str | None = None

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    @property
    def deadline(self) -> float:
        return self.started + self.seconds

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.perf_counter())

    def child(self, task: str | None = None, seconds: float | None = None) -> Budget:
        """A budget for a sub-search: the same cancel token and memory bound, and a
        deadline no later than this one's (``seconds`` can only shorten it)."""
        deadline = self.deadline
        if seconds is not None:
            deadline = min(deadline, time.perf_counter() + seconds)
        return Budget(
            task=task or self.task,
            cancel=self.cancel_token,
            max_states=self.max_states,
            max_bytes=self.max_bytes,
            deadline=deadline,
        )

    def over_memory(self, states: int, estimated_bytes: int = 0) -> bool:
        """Whether ``states`` kept (about ``estimated_bytes``) pass the memory bound;
        once they do, the budget stays stopped with reason ``"memory"``."""
        if states > self.max_states or estimated_bytes > self.max_bytes:
            self.stopped = self.stopped or "memory"
            return True
        return False

    def cancelled(self) -> bool:
        token = self.cancel_token
        if token is None:
            return False
        if isinstance(token, threading.Event):
            return token.is_set()
        return bool(token())

    def check(self, *, force: bool = False) -> str | None:
        """``None`` while the search may go on, else why it must stop
        (``"cancelled"``, ``"time"`` or ``"memory"``); once stopped, it stays stopped."""
        if self.stopped:
            return self.stopped
        self._calls += 1
        if not force and self._calls % self.every:
            return None
        if self.cancelled():
            self.stopped = "cancelled"
        elif time.perf_counter() >= self.deadline:
            self.stopped = "time"
        return self.stopped

    @contextmanager
    def watching(self) -> Iterator[None]:
        """Let the code run in the block stop at its ``checkpoint()`` calls once this
        budget runs out (an inference inside a search: one symbolic inference of a
        long network can take longer than the time left); it raises
        ``BudgetStopped``, which the search catches."""
        token = _WATCHING.set(self)
        try:
            yield
        finally:
            _WATCHING.reset(token)

    def report(
        self, done: int, total: int | None, message: str = "", *, final: bool = False
    ) -> None:
        """Tell the progress callback, at most every ``interval`` seconds (always if final)."""
        if self.progress is None:
            return
        now = time.perf_counter()
        if not final and now - self._last_report < self.interval:
            return
        self._last_report = now
        self.progress(Progress(self.task, done, total, message, now - self.started))


class BudgetStopped(Exception):
    """Raised at a ``checkpoint()`` inside ``Budget.watching()`` once the budget has
    run out (``budget.stopped`` says why); the search that watches catches it."""


_WATCHING: ContextVar[Budget | None] = ContextVar("planner_budget_watching", default=None)


def watching() -> bool:
    """Whether a search watches the code running now (``Budget.watching()``), so that
    a long loop calls ``checkpoint()`` only when one does."""
    return _WATCHING.get() is not None


def checkpoint() -> None:
    """Raise ``BudgetStopped`` if the search around this code has run out of budget
    (a no-op outside ``Budget.watching()``: one context-variable read)."""
    budget = _WATCHING.get()
    if budget is not None and budget.check(force=True):
        raise BudgetStopped(budget.stopped)
