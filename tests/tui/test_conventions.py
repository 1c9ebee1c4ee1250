"""Palette, keys, help and the explain panel."""

from __future__ import annotations

import io

from rich.console import Console

import planner
from planner.tui.bindings import KEYS
from planner.tui.screens.help import HelpScreen
from tests.tui.conftest import SIZE, select_row


async def test_palette_keys_help_and_explain(app_for):
    app = app_for("keras-autoencoder", keymap={"view.explain": "f6"})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        commands = list(app.get_system_commands(app.screen))
        titles = {c.title for c in commands}
        assert {k.title for k in KEYS} <= titles
        assert all(t.split(": ")[0] in ("layer", "edit", "solve", "file", "view") for t in titles)
        explain = next(c for c in commands if c.title == "view: explain")
        assert explain.help.endswith("[f6]")
        # every binding of the app has an id
        assert all(b.id for b in app.BINDINGS)
        await select_row(app, pilot, "encoded")
        app.table.focus()
        await pilot.press("f6")  # remapped
        await pilot.pause(0.3)
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(app.query_one("#explain-text").content)
        text = console.export_text()
        result = planner.infer(app.document.network)["encoded"]
        assert result.formula in text
        assert "cells    □□□□□□□·" in text  # 7 cells, one padding cell after
        torch = planner.translate(app.document.network, "encoded", "torch")
        assert torch.code in text
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


def test_padding_picture_marks_windows():
    from planner.tui.explain import padding_picture

    lines = padding_picture(5, 1, 1, 3, 2, 1, 3)
    assert lines == ["cells    ·□□□□□·", "win 1    ■■■", "win 2      ■■■", "win 3        ■■■"]


def test_the_guide_lists_every_key_as_bound():
    from pathlib import Path

    from planner.tui.bindings import key_display

    guide = (Path(__file__).resolve().parents[2] / "docs" / "tui.md").read_text()
    for k in KEYS:
        assert f"| `{key_display(k.keys)}` | `{k.id}` | {k.title} | {k.help} |" in guide
