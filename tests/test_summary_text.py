"""planner.summary_text writes ``show``'s report exactly as rich prints it: the same
text, in colour, without, and with NO_COLOR, at many widths, for random reports, for
the reports of random networks and of every preset (with the cost columns), and it
sets the console up as rich's ``Console`` does. ``planner show`` itself is compared
with rich's output through a pipe and on a pseudo-terminal."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console as RichConsole
from strategies import report_texts, sequential_network

import planner
from planner.report import summary_group
from planner.summary import COLUMNS, Summary, extra_column, summary_of
from planner.summary_text import Console, console_for, summary_text

ROOT = Path(__file__).resolve().parent.parent
WIDTHS = (80, 120, 100, 60, 200, 45, 30, 20)
STYLES = [None, None, None, "red", "bold red", "bold", "dim", "yellow"]


def rich_text(report: Summary, width: int, colour: bool, no_color: bool = False) -> str:
    """What ``planner show`` printed through rich: ``Console(highlight=False,
    soft_wrap=False)`` on a file of this width, a terminal or not."""
    out = io.StringIO()
    console = RichConsole(
        file=out,
        width=width,
        force_terminal=colour,
        color_system="truecolor" if colour else None,
        legacy_windows=False,
        highlight=False,
        soft_wrap=False,
        no_color=no_color,
    )
    console.print(summary_group(report))
    return out.getvalue()


def assert_drawn_as_rich(report: Summary, width: int, colour: bool, no_color: bool) -> bool:
    """The text equals rich's, or the writer declines (``None``); True if it drew."""
    text = summary_text(report, Console(width, colour, no_color))
    if text is not None:
        assert text == rich_text(report, width, colour, no_color)
    return text is not None


@st.composite
def reports(draw: st.DrawFn) -> Summary:
    odd = draw(st.integers(min_value=0, max_value=5)) == 0  # text rich must draw
    extra = draw(st.lists(st.sampled_from(["MACs", "Memory", "RF", "Jump"]), max_size=3))
    columns = [*COLUMNS, *(extra_column(h) for h in extra)]
    # Short texts in the columns that do not wrap (names, counts), as in a report.
    cells = [
        st.tuples(report_texts(2 if c.no_wrap else 6, odd), st.sampled_from(STYLES))
        for c in columns
    ]
    rows = draw(st.lists(st.tuples(*cells).map(list), max_size=12))
    return Summary(
        title=draw(
            st.sampled_from(
                ["net (keras, channels_last)", "", "x" * 90, "n (t, f)"] + ["a [b]", "a:b"] * odd
            )
        ),
        columns=columns,
        rows=rows,
        lines=draw(st.lists(st.tuples(report_texts(12, odd), st.sampled_from(STYLES)), max_size=4)),
    )


@settings(max_examples=120, deadline=None)
@given(reports(), st.sampled_from(WIDTHS), st.booleans(), st.booleans())
def test_random_reports_written_as_rich_prints_them(report, width, colour, no_color):
    assert_drawn_as_rich(report, width, colour, no_color)


@settings(max_examples=30, deadline=None)
@given(sequential_network(max_layers=8), st.sampled_from(WIDTHS), st.booleans())
def test_network_reports_written_as_rich_prints_them(data, width, colour):
    result = planner.infer(planner.load(data))
    assert_drawn_as_rich(summary_of(result), width, colour, False)


@pytest.mark.parametrize("name", planner.preset_names())
def test_presets_written_as_rich_prints_them(name):
    """Every preset, plain and with every cost column, at 30 to 200 columns, equals
    rich's text, and from 80 columns up the writer draws it (not handing it to rich)."""
    result = planner.infer(planner.load(name))
    costs = planner.cost(result)
    for report in (summary_of(result), summary_of(result, costs, macs=True, rf=True)):
        for width in (30, 60, 80, 120, 200):
            for colour in (False, True):
                drew = assert_drawn_as_rich(report, width, colour, False)
                assert drew or width < 80


def test_outside_the_subset_is_left_to_rich():
    report = summary_of(planner.infer(planner.load("keras-autoencoder")))
    assert summary_text(report, Console(80)) is not None
    wide = Summary(report.title, report.columns, [[("日本語", None)] * 4], [])
    markup = Summary("a [b]", report.columns, report.rows, [])
    styled = Summary(report.title, report.columns, report.rows, [("x", "blink")])
    for other in (wide, markup, styled):
        assert summary_text(other, Console(80)) is None
    assert summary_text(report, Console(24)) is None  # rich squeezes the columns


class FakeFile(io.StringIO):
    def __init__(self, tty: bool, encoding: str = "utf-8") -> None:
        super().__init__()
        self._tty = tty
        self._encoding = encoding

    def isatty(self) -> bool:
        return self._tty

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding


ENVIRONMENTS = [
    {},
    {"COLUMNS": "97"},
    {"COLUMNS": "97", "LINES": "30"},
    {"COLUMNS": "x"},
    {"TERM": "dumb"},
    {"TERM": "dumb", "COLUMNS": "70"},
    {"TERM": "unknown", "COLUMNS": "70", "LINES": "10"},
    {"TERM": "xterm-256color", "COLORTERM": "truecolor"},
    {"NO_COLOR": "1"},
    {"NO_COLOR": ""},
    {"FORCE_COLOR": "1"},
    {"FORCE_COLOR": ""},
    {"TTY_COMPATIBLE": "0"},
    {"TTY_COMPATIBLE": "1", "COLUMNS": "50"},
]


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("tty", [False, True])
def test_console_set_up_as_rich_sets_it_up(env, tty):
    file = FakeFile(tty)
    ours = console_for(file, env)
    theirs = RichConsole(file=file, _environ=env, highlight=False, soft_wrap=False)
    assert ours is not None
    assert ours.width == theirs.width
    assert ours.colour == (theirs.color_system is not None)
    assert ours.no_color == theirs.no_color
    # And the text: rich's console as set up there, against the writer's.
    report = summary_of(planner.infer(planner.load("dcgan-discriminator")))
    theirs.print(summary_group(report))
    text = summary_text(report, ours)
    assert text is None or text == file.getvalue()


def test_other_encodings_left_to_rich():
    assert console_for(FakeFile(False, "ascii"), {}) is None  # rich draws an ASCII box


def _show(args: list[str], env: dict[str, str], terminal: bool) -> bytes:
    """``planner show ...`` in a fresh process; its stdout a pipe or a pseudo-terminal."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    if not terminal:
        cmd = [sys.executable, "-m", "planner", "show", *args]
        return subprocess.run(cmd, capture_output=True, env=env, cwd=ROOT).stdout
    parent, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "planner", "show", *args],
        stdout=child,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
    )
    os.close(child)
    data = b""
    while True:
        ready, _, _ = select.select([parent], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(parent, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        data += chunk
    proc.wait(30)
    os.close(parent)
    return data.replace(b"\r\n", b"\n")


@pytest.mark.parametrize(
    ("args", "env", "terminal"),
    [
        (["unet-original"], {"COLUMNS": "120"}, False),
        (["unet-original", "--cost", "--rf"], {"COLUMNS": "200"}, False),
        (["unet-original"], {"COLUMNS": "90", "TERM": "xterm-256color"}, True),
        (["keras-autoencoder", "--input", "H,W,1"], {"COLUMNS": "100", "TERM": "xterm"}, True),
        (["docs/examples/autoencoder-same.yaml"], {"COLUMNS": "80", "NO_COLOR": "1"}, True),
    ],
)
def test_show_prints_what_rich_prints(args, env, terminal):
    """The command's own bytes, through a pipe and on a pseudo-terminal (in colour),
    equal rich's print of the same report on a console set up the same way."""
    got = _show(args, env, terminal)
    net = args[0]
    network = planner.load(net)
    shape = args[args.index("--input") + 1].split(",") if "--input" in args else None
    result = planner.infer(
        network, input_shape=shape and [int(d) if d.isdigit() else d for d in shape]
    )
    costs = planner.cost(result) if "--cost" in args else None
    report = summary_of(result, costs, macs=costs is not None, rf=costs is not None)
    width = int(env["COLUMNS"])
    expected = rich_text(report, width, terminal, "NO_COLOR" in env)
    assert got.decode() == expected


@given(st.fractions(max_denominator=64), st.integers(min_value=1, max_value=3))
def test_fractions_written_as_sympy_prints_them(value, axes):
    """A jump is a Fraction; ``rf_text`` writes it without sympy, as sympy's printer
    (``planner.symbolic.ops.render``) does."""
    import sympy

    from planner.summary import rf_text

    assert rf_text([value] * axes) == sympy.sstr(value)
    assert rf_text([value, value + 1]) == f"{sympy.sstr(value)}x{sympy.sstr(value + 1)}"
