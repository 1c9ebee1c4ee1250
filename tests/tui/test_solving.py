"""Pilot tests of solve, fixes and valid inputs in place, in workers."""

from __future__ import annotations

import time

from textual.widgets import DataTable, Input

import planner
from tests.tui.conftest import SIZE, library_outputs, screen_outputs, select_row, type_into

# Ten kernel sizes of the original U-Net in 1..7: far more than a second of search.
# A search that runs until its time budget (the kernel sizes alone are answered in
# well under a second by variable elimination; the input range keeps it busy).
SLOW_UNKNOWNS = " ".join(
    [
        f"{n}.kernel_size=1..7"
        for n in [n for n in planner.load("unet-original").layer_names if n.startswith("conv")][:10]
    ]
    + ["input=1..4096"]
)


async def _wait_for(pilot, predicate, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting for the UI"
        await pilot.pause(0.05)


async def _set_input(app, pilot, text: str) -> None:
    from planner.tui.rows import INPUT_KEY

    await select_row(app, pilot, INPUT_KEY)
    await type_into(pilot, app, "input_shape", text)


async def _solutions_shown(app, pilot) -> DataTable:
    """The solve panel's table of solutions, once it lists some."""
    table = app.query_one("#solve-solutions", DataTable)
    await _wait_for(pilot, lambda: table.row_count > 0)
    return table


def _values(table: DataTable) -> list[str]:
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


def _solved(app, unknown: str) -> list[str]:
    """The library's solutions for ``unknown`` and output=input, as the panel lists them."""
    expected = planner.solve(app.document.network, ["output=input"], unknowns=[unknown])
    return [", ".join(f"{k}={v}" for k, v in s.values.items()) for s in expected.solutions]


async def test_solve_apply_undo_redo(app_for):
    app = app_for("keras-autoencoder")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await _set_input(app, pilot, "30, 30, 1")
        assert app.table.row("decoded").text("output") == "(28, 28, 1)"
        # Mark the field unknown from the form, then give bounds in the solve panel.
        await select_row(app, pilot, "conv2d_5")
        app.form.field("kernel_size").focus()
        await pilot.press("ctrl+g")
        await pilot.pause()
        unknowns = app.query_one("#solve-unknowns", Input)
        assert unknowns.value == "conv2d_5.kernel_size"
        unknowns.value = "conv2d_5.kernel_size=1..5"
        assert app.query_one("#solve-targets", Input).value == "output=input"
        unknowns.focus()
        await pilot.press("enter")
        table = await _solutions_shown(app, pilot)
        assert _values(table) == _solved(app, "conv2d_5.kernel_size=1..5")
        table.focus()
        await pilot.press("enter")  # apply the best solution
        await pilot.pause()
        assert app.document.network.layer("conv2d_5").kernel_size == (2, 2)
        assert app.table.row("decoded").text("output") == "(30, 30, 1)"
        assert app.document.history()[-1] == ("solve: conv2d_5.kernel_size=2", "current")
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert app.table.row("decoded").text("output") == "(28, 28, 1)"
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert app.table.row("decoded").text("output") == "(30, 30, 1)"
        assert screen_outputs(app) == library_outputs(app.document.network)


async def test_fixes_view_applies_a_verified_fix(app_for):
    app = app_for("unet-original")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await _set_input(app, pilot, "570, 570, 1")
        app.table.focus()
        await pilot.press("f")
        table = app.query_one("#fixes-list", DataTable)
        await _wait_for(pilot, lambda: table.row_count > 0)
        expected = planner.fixes(app.document.network)
        assert table.row_count == len(expected.fixes)
        assert str(table.get_row_at(0)[2]) == expected.fixes[0].summary
        table.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.document.network == expected.fixes[0].network
        assert app.document.history()[-1][0] == f"fix: {expected.fixes[0].summary}"
        assert all(r.status == "ok" for r in app.table.rows_in_order)
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert any(r.status == "error" for r in app.table.rows_in_order)


async def test_solve_key_focuses_the_unknowns_and_takes_choice_lists(app_for):
    app = app_for("keras-autoencoder")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await _set_input(app, pilot, "30, 30, 1")
        app.table.focus()
        await pilot.press("s")
        unknowns = app.query_one("#solve-unknowns", Input)
        assert app.focused is unknowns
        # Typed text goes to the field: "i" would open the table's insert picker.
        await pilot.press(*"conv2d_5.kernel_size=3, 1,2")
        assert unknowns.value == "conv2d_5.kernel_size=3, 1,2"
        assert len(app.screen_stack) == 1
        await pilot.press("enter")
        table = await _solutions_shown(app, pilot)
        assert _values(table) == _solved(app, "conv2d_5.kernel_size=3,1,2")
        assert _values(table) == ["conv2d_5.kernel_size=2"]


async def test_escape_cancels_a_running_solve_and_an_edit_cancels_a_stale_one(app_for):
    app = app_for("unet-original")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.query_one("#solve-unknowns", Input).value = SLOW_UNKNOWNS
        app.table.focus()
        await pilot.press("s")
        assert app.focused is app.query_one("#solve-unknowns", Input)
        app.simulate_key("ctrl+r")
        await _wait_for(pilot, lambda: not app.query_one("#work").has_class("-hidden"))
        # The UI answers while the search runs: moving the cursor selects another layer.
        # (Keys are posted as a terminal driver does: Pilot.press would wait for the
        # process to be idle, which it is not while a search runs.)
        app.table.focus()
        app.simulate_key("down")
        await _wait_for(pilot, lambda: app.selected == app.document.network.layer_names[0])
        started = time.monotonic()
        app.simulate_key("escape")
        await _wait_for(pilot, lambda: "solve" not in app.runs.running)
        assert time.monotonic() - started < 5
        summary = str(app.query_one("#solve-summary").render())
        assert summary.startswith("Cancelled")

        app.simulate_key("ctrl+r")
        await _wait_for(pilot, lambda: "solve" in app.runs.running)
        await select_row(app, pilot, "conv1_1")
        field = app.form.field("filters")
        field.focus()
        field.value = "32"
        app.simulate_key("enter")
        await _wait_for(pilot, lambda: "solve" not in app.runs.running)
        assert app.document.network.layer("conv1_1").filters == 32
        summary = str(app.query_one("#solve-summary").render())
        assert "network changed" in summary


async def test_inputs_view_shows_closed_form_and_nearest(app_for):
    app = app_for("unet-original")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await _set_input(app, pilot, "570, 570, 1")
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.table.focus()
        await pilot.press("v")
        await pilot.pause()
        text = str(app.query_one("#inputs-panel").render())
        result = planner.valid_inputs(app.document.network)
        assert result.axes["H"].progressions[0].text("H") in text
        near = result.axes["H"].nearest(570)
        assert f"nearest: {near['below']} below, {near['above']} above" in text
