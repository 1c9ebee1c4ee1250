"""planner.long_table.LongTable draws a table exactly as rich draws it: the same
text, in colour and without, at several widths, for random tables and for the
summaries of random networks."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table
from rich.text import Text
from strategies import sequential_network

import planner
from planner.long_table import LongTable, _supported
from planner.report import summary_table

WIDTHS = (30, 80, 120, 200)


def drawn(renderable: object, width: int, colour: bool) -> str:
    out = io.StringIO()
    console = Console(
        file=out,
        width=width,
        force_terminal=colour,
        color_system="truecolor" if colour else None,
        legacy_windows=False,
    )
    console.print(renderable)
    return out.getvalue()


words = st.sampled_from(
    ["conv", "(28, 28, 1)", "floor((28 - 3)/2) + 1 = 13", "pad 0|1", "1,160", "", "x" * 40,
     "日本語", "a\tb", "two\nlines", "[bold]not markup[/]", "ok"]
)  # fmt: skip
ascii_words = st.text(alphabet="abc(),=|+-*/0123456789", min_size=1, max_size=18)
cells = st.builds(
    lambda parts, sep, style: Text(sep.join(parts), style=style),
    st.lists(st.one_of(words, ascii_words), min_size=0, max_size=6),
    st.sampled_from([" ", " ", "  ", ", "]),
    st.sampled_from(["", "", "", "red", "bold red"]),
)


@st.composite
def tables(draw: st.DrawFn) -> Table:
    table = Table(title=draw(st.sampled_from(["net (keras, channels_last)", "", "a [b]"])),
                  title_justify="left", header_style="bold")  # fmt: skip
    table.add_column("Layer (type)", no_wrap=True, max_width=34)
    table.add_column("Output shape", overflow="fold", ratio=2)
    table.add_column("Params", justify="right", no_wrap=True, min_width=6)
    table.add_column("How", overflow="fold", ratio=3)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        table.add_column(draw(st.sampled_from(["MACs", "RF"])), justify="right", overflow="fold")
    for _ in range(draw(st.integers(min_value=0, max_value=12))):
        table.add_row(*[draw(cells) for _ in table.columns])
    return table


@settings(max_examples=150, deadline=None)
@given(tables(), st.sampled_from(WIDTHS), st.booleans())
def test_random_tables_drawn_as_rich_draws_them(table: Table, width: int, colour: bool) -> None:
    assert _supported(table)
    assert drawn(LongTable(table), width, colour) == drawn(table, width, colour)


@settings(max_examples=40, deadline=None)
@given(sequential_network(max_layers=8), st.sampled_from(WIDTHS), st.booleans())
def test_network_summaries_drawn_as_rich_draws_them(data: dict, width: int, colour: bool) -> None:
    result = planner.infer(planner.load(data))
    assert drawn(LongTable(summary_table(result)), width, colour) == drawn(
        summary_table(result), width, colour
    )


@pytest.mark.parametrize("name", planner.preset_names())
def test_presets_drawn_as_rich_draws_them(name: str) -> None:
    result = planner.infer(planner.load(name))
    assert _supported(summary_table(result))  # drawn by LongTable, not handed to rich
    for width in WIDTHS:
        assert drawn(LongTable(summary_table(result)), width, False) == drawn(
            summary_table(result), width, False
        )


def test_other_tables_drawn_by_rich() -> None:
    table = Table("a", "b", show_lines=True, caption="c")
    table.add_row("1", "2")
    table.add_row("3", "4")
    assert drawn(LongTable(table), 40, True) == drawn(table, 40, True)
