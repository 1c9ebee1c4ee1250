"""A few snapshots of the main screens (pytest-textual-snapshot). Behaviour is tested
by reading the table in the other tests; these catch layout regressions only.
Update with ``pytest tests/tui/test_snapshots.py --snapshot-update``."""

from __future__ import annotations

from planner.tui import make_app
from planner.tui.rows import INPUT_KEY

SIZE = (120, 36)


def _app(tmp_path, source="keras-autoencoder"):
    return make_app(source, cache_dir=tmp_path / "cache", recover=False)


def test_snapshot_main_screen(snap_compare, tmp_path):
    async def settle(pilot):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

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
        await app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(_app(tmp_path), terminal_size=SIZE, run_before=edit)


def test_snapshot_explain_at_80x24(snap_compare, tmp_path):
    async def explain(pilot):
        app = pilot.app
        app.table.select("encoded")
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(_app(tmp_path), terminal_size=(80, 24), run_before=explain)


def test_snapshot_merge_mismatch(snap_compare, tmp_path):
    async def mismatch(pilot):
        from planner.tui import edits

        app = pilot.app
        app.table.select(INPUT_KEY)
        app.try_edit("input 570", edits.set_network_field, "input_shape", [570, 570, 1])
        await pilot.pause(0.5)
        app.table.select("merge6")
        await pilot.pause(0.5)

    assert snap_compare(_app(tmp_path, "unet-original"), terminal_size=SIZE, run_before=mismatch)
