"""One root error for everything planner refuses.

Every error can say which layer, which field (or axis) and what was expected and
received, so that the CLI, the TUI and scripts can print one clear paragraph
instead of a traceback. Context is added on the way up (``with_context``), the way
einops re-raises inner errors with the pattern that caused them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from dataclasses import field as dc_field


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

    def __str__(self) -> str:
        where = []
        if self.source:
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
