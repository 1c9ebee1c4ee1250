"""Pilot tests of the editor: load, edit, see the shapes change, errors, undo and redo."""

from __future__ import annotations

import planner
from planner.tui.rows import INPUT_KEY
from tests.tui.conftest import (
    SIZE,
    library_outputs,
    screen_outputs,
    select_row,
    type_into,
)


async def test_preset_loads_with_every_shape(app_for):
    app = app_for("unet-original")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        expected = library_outputs(planner.load("unet-original"))
        assert screen_outputs(app) == expected
        assert expected["output"] == "(388, 388, 2)"
        assert "(388, 388, 2)" in str(app.query_one("#info").render())


async def test_kernel_edit_changes_downstream_shapes_and_keeps_the_cursor(app_for):
    app = app_for("keras-autoencoder")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        before = screen_outputs(app)
        await select_row(app, pilot, "conv2d_5")
        row_before = app.table.cursor_row
        await type_into(pilot, app, "kernel_size", "5")
        net = app.document.network
        assert net.layer("conv2d_5").kernel_size == (5, 5)
        after = screen_outputs(app)
        assert after == library_outputs(net)
        # 16 - 5 + 1 = 12 and everything after it follows
        assert after["conv2d_5"] != before["conv2d_5"]
        assert after["decoded"] != before["decoded"]
        assert after["encoded"] == before["encoded"]
        assert app.table.cursor_row == row_before
        assert app.selected == "conv2d_5"
        assert app.document.history()[-1] == ("conv2d_5.kernel_size 3 -> 5", "current")


async def test_only_changed_cells_are_rewritten(app_for):
    app = app_for("unet-original")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        from planner.tui import edits
        from planner.tui.rows import build_rows

        net = edits.set_field(app.document.network, "output", "filters", 3)
        written = app.table.refresh_rows(build_rows(planner.infer(net)))
        # the output layer's Output, Params and Arguments cells, nothing else
        assert written == 3


async def test_merge_mismatch_flags_both_branches(app_for):
    app = app_for("unet-original")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await select_row(app, pilot, INPUT_KEY)
        await type_into(pilot, app, "input_shape", "570, 570, 1")
        result = planner.infer(app.document.network)
        failing = next(r for r in result.layers if r.error and not r.error.startswith("skipped"))
        assert failing.type == "concatenate"
        rows = {r.key: r for r in app.table.rows_in_order}
        assert rows[failing.name].status == "error"
        assert failing.error in rows[failing.name].text("status")
        for branch in failing.inputs:
            assert rows[branch].status == "branch"
            assert failing.name in rows[branch].text("status")
        assert screen_outputs(app) == library_outputs(app.document.network)


async def test_invalid_value_is_refused_where_typed(app_for):
    app = app_for("keras-autoencoder")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await select_row(app, pilot, "conv2d")
        before = app.document.network
        await type_into(pilot, app, "kernel_size", "0")
        message = app.form.message("kernel_size")
        assert "kernel_size" in message and ">= 1" in message
        assert app.form.field("kernel_size").has_class("-invalid")
        assert app.document.network == before
        await type_into(pilot, app, "filters", "many")
        assert "filters" in app.form.message("filters")
        assert app.document.network == before
        # Esc reverts the form to the network's values
        await pilot.press("escape")
        await pilot.pause()
        assert app.form.field("filters").value == "16"
        assert not app.form.field("kernel_size").has_class("-invalid")


async def test_select_and_switch_fields_come_from_the_model(app_for):
    from textual.widgets import Select

    app = app_for("keras-autoencoder")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await select_row(app, pilot, "conv2d")
        assert isinstance(app.form.field("padding_mode"), Select)
        switch = app.form.field("use_bias")
        switch.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.document.network.layer("conv2d").use_bias is False
        assert screen_outputs(app) == library_outputs(app.document.network)
        assert app.table.row("conv2d").text("params") == "144"


async def test_form_lists_only_the_settings_of_the_networks_framework(app_for, tmp_path):
    # A Keras convolution has no JAX settings and no ONNX pads-beside-auto_pad ...
    app = app_for("keras-autoencoder")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await select_row(app, pilot, "conv2d")
        shown = set(app.form._widgets)
        assert {"kernel_size", "strides", "padding", "dilation", "filters"} <= shown
        assert not shown & {"api", "input_dilation", "pads_beside_auto_pad"}
    # ... while a Flax convolution offers them, and switching to it changes the form.
    path = tmp_path / "flax.yaml"
    path.write_text(
        "name: f\nframework: jax\ninput_shape: [32, 32, 3]\n"
        "layers:\n  - {type: conv, name: c, filters: 4, kernel_size: 3}\n"
    )
    app = app_for(str(path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await select_row(app, pilot, "c")
        shown = set(app.form._widgets)
        assert {"api", "input_dilation"} <= shown
        assert "pads_beside_auto_pad" not in shown


def test_layer_fields_keep_a_foreign_setting_that_is_set():
    from planner.tui.edits import layer_fields

    conv = planner.loads(
        "framework: jax\ninput_shape: [8, 8, 1]\nlayers: [{type: conv, filters: 1, "
        "kernel_size: 3, input_dilation: 2}]"
    ).layers[0]
    # Shown for Keras too, since it is set: the error it causes is fixed in the form.
    assert "input_dilation" in layer_fields(conv, "keras")
    assert "use_consistent_padding" not in layer_fields(conv, "keras")
    assert "use_consistent_padding" not in layer_fields(conv, "torch")


async def test_symbolic_input_shows_formulas_and_closed_form(app_for):
    app = app_for("unet-original")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await select_row(app, pilot, INPUT_KEY)
        await type_into(pilot, app, "input_shape", "H, W, 1")
        await app.workers.wait_for_complete()
        await pilot.pause()
        out = app.table.row("output").text("output")
        assert "H" in out and "W" in out
        expected = planner.valid_inputs(app.document.network)
        first = expected.axes["H"].progressions[0].text("H").split(":")[0]
        assert first in str(app.query_one("#info").render())


async def test_structure_edits_and_undo_redo(app_for):
    app = app_for("keras-autoencoder")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        original = app.document.network
        await select_row(app, pilot, "conv2d_5")
        app.table.focus()
        await pilot.press("d")  # duplicate
        await pilot.pause()
        assert len(app.document.network.layers) == len(original.layers) + 1
        await pilot.press("K")  # move the copy up
        await pilot.pause()
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*list("bottleneck"), "enter")
        await pilot.pause()
        names = app.document.network.layer_names
        assert "bottleneck" in names
        assert screen_outputs(app) == library_outputs(app.document.network)
        await pilot.press("i")  # insert after the selected layer: pick a type
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        await pilot.pause()
        assert len(app.document.network.layers) == len(original.layers) + 1
        steps = [s for s, _ in app.document.history()]
        assert steps[1].startswith("duplicate conv2d_5")
        assert any(s.startswith("rename ") for s in steps)
        for _ in range(5):
            await pilot.press("ctrl+z")
            await pilot.pause()
        assert app.document.network == original
        assert not app.document.dirty
        assert screen_outputs(app) == library_outputs(original)
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert len(app.document.network.layers) == len(original.layers) + 1


async def test_skip_inputs_and_framework_edits(app_for):
    app = app_for("keras-autoencoder")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await select_row(app, pilot, INPUT_KEY)

        select = app.form.field("framework")
        select.value = "torch"
        await pilot.pause()
        assert app.document.network.framework == "torch"
        assert app.document.network.data_format == "channels_last"
        await select_row(app, pilot, "conv2d_1")
        await type_into(pilot, app, "inputs", "conv2d")  # skip the first pool
        assert app.document.network.layer("conv2d_1").inputs == ["conv2d"]
        assert screen_outputs(app) == library_outputs(app.document.network)
        assert app.table.row("conv2d_1").text("inputs") == "conv2d"
