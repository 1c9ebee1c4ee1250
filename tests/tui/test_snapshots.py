"""A few snapshots of the main screens (pytest-textual-snapshot). Behaviour is tested
by reading the table in the other tests; these catch layout regressions only.
Update with ``pytest tests/tui/test_snapshots.py --snapshot-update``."""

from __future__ import annotations

from planner.tui import make_app
from planner.tui.rows import INPUT_KEY

SIZE = (120, 36)


async def quiet(pilot, until=lambda: True, seconds: float = 20.0) -> None:
    """Wait until ``until()`` holds and nothing is pending: no worker, no scheduled
    valid-inputs run, no explain refresh (a fixed pause is not enough on a busy machine)."""
    import time

    app = pilot.app
    deadline = time.monotonic() + seconds
    while True:
        await app.workers.wait_for_complete()
        await pilot.pause(0.05)
        idle = app._inputs_timer is None and app._explain_timer is None and not app.runs.running
        if idle and until():
            break
        assert time.monotonic() < deadline, "the app never settled"
    await pilot.pause()


def _app(tmp_path, source="keras-autoencoder"):
    return make_app(source, cache_dir=tmp_path / "cache", recover=False)


def test_snapshot_main_screen(snap_compare, tmp_path):
    async def settle(pilot):
        await quiet(pilot)

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=settle)


def test_snapshot_edit_form_with_error(snap_compare, tmp_path):
    async def edit(pilot):
        app = pilot.app
        app.table.select("conv2d_5")
        await pilot.pause()
        await pilot.press("e")
        field = app.form.field("kernel_size")
        field.focus()
        field.value = "0"
        await quiet(pilot, lambda: bool(app.form.message("kernel_size")))

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=edit)


def test_snapshot_explain_at_80x24(snap_compare, tmp_path):
    async def explain(pilot):
        app = pilot.app
        app.table.select("encoded")
        await pilot.pause()
        await pilot.press("x")
        await quiet(pilot, lambda: app.explained == "encoded")

    assert snap_compare(_app(tmp_path), terminal_size=(80, 24), run_before=explain)


def test_snapshot_merge_mismatch(snap_compare, tmp_path):
    async def mismatch(pilot):
        from planner.tui import edits

        app = pilot.app
        app.table.select(INPUT_KEY)
        app.try_edit("input 570", edits.set_network_field, "input_shape", [570, 570, 1])
        await quiet(pilot, lambda: app.document.network.input_shape[0] == 570)
        app.table.select("merge6")
        await quiet(pilot, lambda: app.form.key == "merge6")

    assert snap_compare(_app(tmp_path, "unet-original"), terminal_size=SIZE, run_before=mismatch)
