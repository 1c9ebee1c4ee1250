"""Random edit sequences (invalid ones, undo and redo included) never crash the app,
and after each step the table shows exactly the library's forward inference."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.tui import edits
from planner.tui.rows import build_rows
from tests.tui.conftest import SIZE, library_outputs, screen_outputs, screen_rows

FIELDS = st.sampled_from(["kernel_size", "strides", "padding", "filters", "pool_size"])
VALUES = st.one_of(
    st.integers(-1, 6), st.sampled_from(["same", "valid", "full", "bogus", [1, 2], [[0, 1], 1]])
)
STEP = st.one_of(
    st.tuples(st.just("set"), st.integers(0, 20), FIELDS, VALUES),
    st.tuples(st.just("delete"), st.integers(0, 20)),
    st.tuples(st.just("duplicate"), st.integers(0, 20)),
    st.tuples(st.just("move"), st.integers(0, 20), st.sampled_from([-1, 1])),
    st.tuples(
        st.just("input"), st.sampled_from([[28, 28, 1], [30, 31, 1], ["H", 28, 1], [3, 3, 1]])
    ),
    st.tuples(st.just("undo")),
    st.tuples(st.just("redo")),
)


def _apply(app, step) -> None:
    net = app.document.network
    names = net.layer_names
    kind = step[0]
    if kind == "undo":
        app.document.undo()
        return
    if kind == "redo":
        app.document.redo()
        return
    if kind == "input":
        app.try_edit("input", edits.set_network_field, "input_shape", step[1])
        return
    if not names:
        return
    name = names[step[1] % len(names)]
    if kind == "set":
        app.try_edit("set", edits.set_field, name, step[2], step[3])
    elif kind == "delete":
        app.try_edit("delete", edits.delete_layer, name)
    elif kind == "duplicate":
        app.try_edit("duplicate", edits.duplicate_layer, name)
    else:
        app.try_edit("move", edits.move_layer, name, step[2])


@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=3, max_size=8))
def test_random_edits_keep_the_table_equal_to_inference(app_for, steps):
    async def run() -> None:
        app = app_for("keras-autoencoder")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            for step in steps:
                _apply(app, step)
                await app.workers.wait_for_complete()
                if step[0] in ("undo", "redo"):
                    await app.refresh_view()
                await pilot.pause()
                net = app.document.network
                assert screen_outputs(app) == library_outputs(net)
                import planner

                expected = [r.values for r in build_rows(planner.infer(net))]
                assert screen_rows(app) == expected

    asyncio.run(run())
