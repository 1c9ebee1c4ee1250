"""Regenerate the SVG screenshots of docs/tui.md: ``python docs/images/tui/make_screenshots.py``.

Each screen is reached the way a user would (keys and the form), headless, at
120x36; Textual saves the SVG.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from textual.widgets import Input  # noqa: E402

from planner.tui import make_app  # noqa: E402
from planner.tui.edits import ADDABLE  # noqa: E402
from planner.tui.rows import INPUT_KEY  # noqa: E402

Input.cursor_blink = False
SIZE = (120, 36)
PADDING = (
    "[[{unknown: top, min: 0, max: 2}, {unknown: bottom, min: 0, max: 2}], "
    "[{unknown: left, min: 0, max: 2}, {unknown: right, min: 0, max: 2}]]"
)


async def settle(app, pilot) -> None:
    await pilot.pause(0.3)
    await app.workers.wait_for_complete()
    await pilot.pause(0.3)


async def form_value(app, pilot, key: str, field: str, text: str) -> None:
    app.table.select(key)
    await settle(app, pilot)
    widget = app.form.field(field)
    widget.focus()
    widget.value = text
    await pilot.press("enter")
    await settle(app, pilot)


async def main() -> None:
    app = make_app("keras-autoencoder", cache_dir=Path(tempfile.mkdtemp()), recover=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.save_screenshot("main.svg", str(HERE))

        app.table.select("encoded")
        app.table.focus()
        await pilot.press("x")
        await settle(app, pilot)
        app.save_screenshot("explain.svg", str(HERE))

        await form_value(app, pilot, INPUT_KEY, "input_shape", "30, 30, 1")
        app.table.focus()
        await pilot.press("f")
        await settle(app, pilot)
        app.query_one("#fixes-targets", Input).value = "output=input"
        app.query_one("#fixes-targets", Input).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        app.save_screenshot("fixes.svg", str(HERE))

        app.table.select("up_sampling2d_1")
        app.table.focus()
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one("OptionList").highlighted = ADDABLE.index("zero_padding")
        await pilot.press("enter")
        await settle(app, pilot)
        await form_value(app, pilot, "zero_padding2d", "padding", PADDING)
        app.table.focus()
        await pilot.press("s")
        await pilot.pause()
        app.query_one("#solve-targets", Input).value = "output=input"
        app.query_one("#solve-targets", Input).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        app.save_screenshot("solve.svg", str(HERE))

        app.query_one("#solve-solutions").focus()
        await pilot.press("enter")
        await settle(app, pilot)
        app.table.focus()
        await pilot.press("h")
        await settle(app, pilot)
        app.save_screenshot("history.svg", str(HERE))

        await pilot.press("f1")
        await settle(app, pilot)
        app.save_screenshot("help.svg", str(HERE))


if __name__ == "__main__":
    asyncio.run(main())
    print("wrote", ", ".join(sorted(p.name for p in HERE.glob("*.svg"))))
