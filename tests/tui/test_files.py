"""Pilot tests of files: save and reload, no silent overwrite, the quit prompt, recovery."""

from __future__ import annotations

from textual.widgets import Input

import planner
from planner.tui.screens.choice import ChoiceDialog
from planner.tui.screens.prompt import PromptDialog
from tests.tui.conftest import SIZE, library_outputs, screen_outputs, select_row, type_into


async def _save_as(app, pilot, path) -> None:
    app.table.focus()
    await pilot.press("S")
    await pilot.pause()
    assert isinstance(app.screen, PromptDialog)
    app.screen.query_one("#prompt-input", Input).value = str(path)
    await pilot.press("enter")
    await pilot.pause()


async def test_save_as_round_trips_and_never_overwrites_silently(app_for, tmp_path):
    app = app_for("keras-autoencoder")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await select_row(app, pilot, "conv2d_5")
        await type_into(pilot, app, "kernel_size", "2")
        assert app.document.dirty and app.title.endswith("*")
        target = tmp_path / "ae.yaml"
        await _save_as(app, pilot, target)
        assert not app.document.dirty
        assert planner.load(target) == app.document.network
        # An existing file: the user is asked, and Cancel leaves it alone.
        other = tmp_path / "other.yaml"
        other.write_text("keep me\n")
        await _save_as(app, pilot, other)
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert other.read_text() == "keep me\n"
        # Ctrl+S now writes the network's own file.
        await select_row(app, pilot, "conv2d")
        await type_into(pilot, app, "filters", "4")
        app.table.focus()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert planner.load(target) == app.document.network


async def test_quit_with_unsaved_changes_asks_and_cancel_keeps_the_app(app_for):
    app = app_for("keras-autoencoder")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await select_row(app, pilot, "conv2d")
        await type_into(pilot, app, "filters", "4")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        assert "unsaved changes" in app.screen.question
        await pilot.click("#choice-cancel")
        await pilot.pause()
        assert app.is_running and not isinstance(app.screen, ChoiceDialog)
        assert app.document.network.layer("conv2d").filters == 4
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.click("#choice-discard")
        await pilot.pause()
        assert not app.is_running


async def test_opening_another_network_asks_first(app_for):
    app = app_for("keras-autoencoder")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await select_row(app, pilot, "conv2d")
        await type_into(pilot, app, "filters", "4")
        app.table.focus()
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("end", "enter")  # the last preset
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.click("#choice-discard")
        await pilot.pause()
        last = planner.preset_names()[-1]
        assert app.document.network == planner.load(last)
        assert screen_outputs(app) == library_outputs(planner.load(last))


async def test_unsaved_edits_survive_a_killed_app(app_for, tmp_path):
    first = app_for("keras-autoencoder")
    async with first.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await select_row(first, pilot, "conv2d_5")
        await type_into(pilot, first, "kernel_size", "2")
        edited = first.document.network
        await pilot.pause(first.AUTOSAVE_DELAY + 0.3)
        # No quit: the test leaves the app as a killed terminal would.
    cache = tmp_path / "cache" / "planner"
    assert any(cache.iterdir())
    second = app_for("keras-autoencoder", recover=True)
    async with second.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(second.screen, ChoiceDialog)
        assert "keras-autoencoder" in second.screen.question
        await pilot.click("#choice-recover")
        await pilot.pause()
        assert second.document.network == edited
        assert second.document.dirty
        assert screen_outputs(second) == library_outputs(edited)


async def test_saving_keeps_the_users_comments_and_spellings(app_for, tmp_path):
    """Save as from a preset starts from the preset's text; saving over the file
    then edits that text in place."""
    app = app_for("keras-autoencoder")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await select_row(app, pilot, "conv2d_5")
        await type_into(pilot, app, "kernel_size", "2")
        target = tmp_path / "ae.yaml"
        await _save_as(app, pilot, target)
        text = target.read_text()
        # the preset's comment and its Keras spelling survive; the edit is in
        assert "# The convolutional autoencoder of the Keras blog" in text
        assert "type: Conv2D" in text
        assert planner.load(target) == app.document.network
        target.write_text(text.replace("layers:", "# my note\nlayers:", 1))
        await select_row(app, pilot, "conv2d")
        await type_into(pilot, app, "filters", "4")
        app.table.focus()
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved = target.read_text()
        assert "# my note" in saved
        assert planner.load(target) == app.document.network
