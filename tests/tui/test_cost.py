"""Pilot tests of ``view: cost columns``: the cells are ``planner.cost``'s figures."""

from __future__ import annotations

import planner
from planner.report import bytes_text, count_text, rf_text
from planner.tui import edits
from planner.tui.rows import INPUT_KEY
from tests.tui.conftest import SIZE, select_row, type_into


def screen_column(app, column: str) -> dict[str, str]:
    """One column as the DataTable widget holds it, by row key."""
    table = app.table
    return {str(k.value): str(table.get_cell(k, column)) for k in table.rows}


def library_costs(net: planner.Network) -> dict[str, dict[str, str]]:
    """What the library says each cost cell should show."""
    costs = planner.cost(net)
    return {
        "macs": {c.name: count_text(c.macs) for c in costs.layers},
        "memory": {c.name: bytes_text(c.activation_bytes) for c in costs.layers},
        "rf": {c.name: rf_text(c.receptive_field) for c in costs.layers},
    }


async def test_cost_columns_follow_the_library_and_edits(app_for):
    app = app_for("keras-autoencoder")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "macs" not in app.table.columns
        await pilot.press("c")
        await pilot.pause()
        net = app.document.network
        expected = library_costs(net)
        for column, cells in expected.items():
            shown = screen_column(app, column)
            assert {k: v for k, v in shown.items() if k != INPUT_KEY} == cells
        costs = planner.cost(net)
        assert (
            int(screen_column(app, "macs")["conv2d_5"].replace(",", "")) == costs["conv2d_5"].macs
        )
        info = str(app.query_one("#info").render())
        assert f"MACs {count_text(costs.total_macs)}" in info
        # the other columns are untouched by the toggle
        assert screen_column(app, "output")["decoded"] == "(28, 28, 1)"

        await select_row(app, pilot, "conv2d_5")
        before = screen_column(app, "macs")
        await type_into(pilot, app, "kernel_size", "5")
        net = app.document.network
        assert net.layer("conv2d_5").kernel_size == (5, 5)
        after = screen_column(app, "macs")
        assert after["conv2d_5"] == count_text(planner.cost(net)["conv2d_5"].macs)
        assert after["conv2d_5"] != before["conv2d_5"]
        assert after["encoded"] == before["encoded"]

        app.table.focus()
        await pilot.press("c")
        await pilot.pause()
        assert "macs" not in app.table.columns and "rf" not in app.table.columns
        assert "MACs" not in str(app.query_one("#info").render())


async def test_symbolic_input_shows_cost_formulas(app_for):
    app = app_for("keras-autoencoder")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        net = edits.set_network_field(app.document.network, "input_shape", ["H", "H", 1])
        await app.apply_edit("input H", net)
        await app.action_toggle_costs()
        await pilot.pause()
        costs = planner.cost(net)
        shown = screen_column(app, "macs")
        assert "H" in shown["conv2d_1"]
        assert shown["conv2d_1"] == count_text(costs["conv2d_1"].macs)
        assert screen_column(app, "memory")["conv2d_1"] == bytes_text(
            costs["conv2d_1"].activation_bytes
        )


async def test_cost_cells_go_through_the_keyed_diff(app_for):
    app = app_for("unet-original")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.action_toggle_costs()
        await pilot.pause()
        from planner.tui.rows import build_rows

        old = build_rows(app.result, app.costs)
        net = edits.set_field(app.document.network, "output", "filters", 3)
        result = planner.infer(net)
        new = build_rows(result, planner.cost(result))
        changed = sum(
            a != b
            for o, n in zip(old, new, strict=True)
            for a, b in zip(o.values, n.values, strict=True)
        )
        written = app.table.refresh_rows(new)
        assert written == changed
        # the output layer's Output, Params, Arguments, MACs and Memory cells: nothing else
        assert 0 < written < len(new[0].values)
