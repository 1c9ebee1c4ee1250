"""Shared setup of the terminal UI tests: a private cache folder, no cursor blink."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

import planner
from planner.report import shape_text
from planner.tui import make_app
from planner.tui.app import PlannerApp
from planner.tui.rows import INPUT_KEY

# Snapshots and pilots must not depend on when the cursor blinks.
Input.cursor_blink = False

SIZE = (120, 36)


@pytest.fixture(autouse=True)
def _cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own cache folder (the autosave lives there)."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


@pytest.fixture
def app_for(tmp_path: Path) -> Callable[..., PlannerApp]:
    def make(source: str | None = "keras-autoencoder", **kwargs: Any) -> PlannerApp:
        kwargs.setdefault("cache_dir", tmp_path / "cache" / "planner")
        kwargs.setdefault("recover", False)
        return make_app(source, **kwargs)

    return make


def table_outputs(app: PlannerApp) -> dict[str, str]:
    """The Output column of the table, by row key."""
    return {row.key: row.text("output") for row in app.table.rows_in_order}


def screen_outputs(app: PlannerApp) -> dict[str, str]:
    """The Output column as the DataTable widget holds it (what is drawn)."""
    table = app.table
    out = {}
    for row_key in table.rows:
        out[str(row_key.value)] = str(table.get_cell(row_key, "output"))
    return out


def screen_rows(app: PlannerApp) -> list[tuple[str, ...]]:
    """Every cell the DataTable widget holds, row by row in display order."""
    table = app.table
    return [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


def library_outputs(net: planner.Network) -> dict[str, str]:
    """What the library says every row should show."""
    result = planner.infer(net)
    out = {INPUT_KEY: shape_text(result.input_shape)}
    for layer in result.layers:
        out[layer.name] = shape_text(layer.output_shape) if layer.output_shape else "-"
    return out


async def select_row(app: PlannerApp, pilot: Any, key: str) -> None:
    app.table.select(key)
    await pilot.pause()
    assert app.selected == key
    await form_ready(app, pilot)


async def form_ready(app: PlannerApp, pilot: Any, seconds: float = 10.0) -> None:
    """Wait until the form shows the selected row (panes are switched asynchronously)."""
    import time

    deadline = time.monotonic() + seconds
    while app.form.key != app.selected or app.form._pane is None:
        assert time.monotonic() < deadline, "the form never showed the selected layer"
        await pilot.pause(0.02)


async def type_into(
    pilot: Any, app: PlannerApp, field: str, text: str, submit: bool = True
) -> None:
    """Focus a form field, replace its text, optionally press Enter."""
    await form_ready(app, pilot)
    widget = app.form.field(field)
    widget.focus()
    widget.value = ""
    await pilot.pause()
    await pilot.press(*list(text))
    if submit:
        await pilot.press("enter")
    await pilot.pause()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests in a fresh event loop (no async plugin needed)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{n: pyfuncitem.funcargs[n] for n in names}))
    return True
