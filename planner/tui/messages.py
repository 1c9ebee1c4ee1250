"""Messages the editor's widgets send to the app (all in one place)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from planner.spec.network import Network


@dataclass
class EditRequested(Message):
    """A widget produced a new, validated network: apply it as one named step."""

    step: str
    network: Network
    select: str | None = None


@dataclass
class MarkUnknown(Message):
    """The form asks the solve panel to treat ``spec`` (``LAYER.FIELD``) as unknown."""

    spec: str


@dataclass
class RunRequested(Message):
    """A panel asks the app to run a long question in a worker."""

    kind: str  # "solve", "fixes" or "inputs"
    targets: list[str]
    unknowns: list[str]
    exact: bool = False


@dataclass
class WorkProgress(Message):
    """A worker's progress (posted from its thread through ``call_from_thread``)."""

    kind: str
    fraction: float | None
    message: str
