"""One root error for everything planner refuses.

Every error can say which layer, which field (or axis) and what was expected and
received, so that the CLI, the TUI and scripts can print one clear paragraph
instead of a traceback. Context is added on the way up (``with_context``), the way
einops re-raises inner errors with the pattern that caused them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from typing import Any


@dataclass
class PlannerError(Exception):
    """The root of every error planner raises on purpose.

    ``message`` says what is wrong in plain words; the other fields locate it.
    """

    message: str
    layer: str | None = None
    field: str | None = None
    source: str | None = None
    line: int | None = None
    hints: list[str] = dc_field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def with_context(
        self,
        *,
        layer: str | None = None,
        field: str | None = None,
        source: str | None = None,
        line: int | None = None,
    ) -> PlannerError:
        """A copy with missing location details filled in (inner details win)."""
        return replace(
            self,
            layer=self.layer or layer,
            field=self.field or field,
            source=self.source or source,
            line=self.line if self.line is not None else line,
        )

    def to_dict(self) -> dict[str, Any]:
        """The error as plain data (the CLI's ``--json`` error object).

        >>> SpecError("sizes must be >= 1", layer="conv1", field="strides").to_dict()["field"]
        'strides'
        """
        return {
            "type": type(self).__name__,
            "message": self.message,
            "layer": self.layer,
            "field": self.field,
            "source": self.source,
            "line": self.line,
            "hints": list(self.hints),
        }

    def __str__(self) -> str:
        where = []
        # A message that already names its file (most file errors) needs no prefix.
        if self.source and (self.line is not None or self.source not in self.message):
            where.append(f"{self.source}:{self.line}" if self.line is not None else self.source)
        if self.layer:
            where.append(f"layer '{self.layer}'")
        if self.field:
            where.append(f"field '{self.field}'")
        text = self.message
        if where:
            text = f"{', '.join(where)}: {text}"
        if self.hints:
            text += " " + " ".join(self.hints)
        return text


class SpecError(PlannerError):
    """The network description itself is invalid (file, YAML, keys, values)."""


class ShapeError(PlannerError):
    """The network is well formed but the framework would refuse to run it."""


class SolveError(PlannerError):
    """A solve, fix or inputs request is malformed (not: has no solution)."""


class ArgumentError(PlannerError):
    """A function of the public API received an argument of the wrong type or form
    (``field`` names the argument)."""


class FileError(PlannerError):
    """A file or directory cannot be read or written (``source`` names the real path)."""


def _yaml_repr(value: Any) -> str:
    """``repr`` with YAML's words for what YAML wrote: ``null``, ``true``, ``false``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_repr(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_yaml_repr(k)}: {_yaml_repr(v)}" for k, v in value.items()) + "}"
    return repr(value)


def received_text(value: Any) -> str:
    """How an error message shows a received value: its type, and a short repr.

    >>> received_text(3)
    'int 3'
    >>> received_text(None)
    'nothing'
    >>> received_text([None, True])
    'list [null, true]'
    """
    if value is None:
        return "nothing"
    text = _yaml_repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"
