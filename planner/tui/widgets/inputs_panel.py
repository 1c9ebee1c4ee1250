"""Valid input sizes in closed form (``planner.valid_inputs``) and the nearest ones."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from planner.solver import InputsResult


def inputs_text(result: InputsResult, current: dict[str, Any]) -> Text:
    """Per axis: the progressions, and whether the current size is one of them."""
    text = Text()
    if not result.complete:
        text.append(f"partial: {result.reason}\n", style="yellow")
    for name, axis in result.axes.items():
        text.append(f"{name} (period {axis.period})\n", style="bold")
        for p in axis.progressions:
            text.append(f"  {p.text(name)}\n")
        if not axis.progressions:
            text.append("  no valid size\n", style="red")
        for note in axis.notes:
            text.append(f"  {note}\n", style="dim")
        size = current.get(name)
        if isinstance(size, int):
            if axis.contains(size):
                text.append(f"  {name} = {size} is valid\n", style="green")
            else:
                near = axis.nearest(size)
                text.append(
                    f"  {name} = {size} is not valid; nearest: "
                    f"{near['below'] or '-'} below, {near['above'] or '-'} above\n",
                    style="red",
                )
    return text


def inputs_line(result: InputsResult) -> str:
    """One line for the status bar: the first progression of every axis."""
    parts = []
    for name, axis in result.axes.items():
        texts = [p.text(name).split(":")[0] for p in axis.progressions[:2]]
        parts.append(" or ".join(texts) if texts else f"{name}: none")
    # Square networks repeat themselves; say it once.
    if len(set(p.split(" ", 1)[-1] for p in parts)) == 1 and len(parts) > 1:
        return parts[0] + f" (same for {', '.join(list(result.axes)[1:])})"
    return "; ".join(parts)


class InputsPanel(Static):
    """Shows the latest ``valid_inputs`` result."""
