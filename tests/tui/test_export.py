"""Pilot tests of ``file: export source``: the file is ``planner.export.to_source``'s text."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select

import planner
from planner.export import to_source
from planner.tui.screens.choice import ChoiceDialog
from planner.tui.screens.export import ExportDialog
from tests.tui.conftest import SIZE


async def wait_for(pilot, predicate, tries: int = 200) -> None:
    for _ in range(tries):
        if predicate():
            return
        await pilot.pause(0.02)
    raise AssertionError("the app never got there")


async def export(app, pilot, framework: str, path) -> None:
    """Press E, choose the framework, type the path, Enter."""
    await pilot.press("E")
    await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog))
    app.screen.query_one("#export-framework", Select).value = framework
    await pilot.pause()
    field = app.screen.query_one("#export-path", Input)
    assert field.value.endswith(f"_{framework}.py")
    field.value = str(path)
    field.focus()
    await pilot.press("enter")


async def test_export_writes_source_that_compiles_and_asks_before_overwriting(app_for, tmp_path):
    app = app_for("keras-autoencoder")
    target = tmp_path / "autoencoder_torch.py"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await export(app, pilot, "torch", target)
        await wait_for(pilot, target.exists)
        text = target.read_text()
        assert text == to_source(planner.load("keras-autoencoder"), "torch")
        compile(text, str(target), "exec")

        # an existing file: the overwrite prompt; Cancel keeps it as it was
        target.write_text("# mine\n")
        await export(app, pilot, "torch", target)
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        assert "Overwrite" in str(app.screen.question)
        await pilot.click("#choice-cancel")
        await wait_for(pilot, lambda: not isinstance(app.screen, ChoiceDialog))
        assert target.read_text() == "# mine\n"

        # Overwrite replaces it
        await export(app, pilot, "keras", target)
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.click("#choice-overwrite")
        await wait_for(pilot, lambda: target.read_text() != "# mine\n")
        compile(target.read_text(), str(target), "exec")
        assert target.read_text() == to_source(planner.load("keras-autoencoder"), "keras")


async def test_a_refused_layer_shows_the_library_message(app_for, tmp_path):
    app = app_for("keras-autoencoder")
    net = planner.load(
        {
            "name": "pooled",
            "framework": "torch",
            "input_shape": [1, 16, 16],
            "layers": [{"type": "max_pool", "name": "pool", "pool_size": 2, "dilation": 2}],
        }
    )
    target = tmp_path / "pooled_flax.py"
    async with app.run_test(size=SIZE) as pilot:
        await app.load_document(net, path=None, source=None)
        await pilot.pause()
        messages: list[str] = []
        original = app.notify

        def notify(message, **kwargs):
            messages.append(str(message))
            return original(message, **kwargs)

        app.notify = notify
        await export(app, pilot, "flax", target)
        await wait_for(pilot, lambda: bool(messages))
        with pytest.raises(planner.PlannerError) as refused:
            to_source(net, "flax")
        assert str(refused.value) in messages[0] and "pool" in messages[0]
        assert not target.exists()
