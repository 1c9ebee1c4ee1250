"""``planner show``'s report written exactly as rich prints it, without importing rich.

Importing rich's console and table and laying a table out through them is a fifth of
a cold ``planner show`` (tens of milliseconds), and most of ``show`` on a large
network. The report (``planner.summary.Summary``) uses a small part of rich: one
table with the default box, left- or right-justified columns of single-line cells
that wrap or fold, a title, and lines of text under it, a few styles. For that part
this module follows rich's own rules, step by step:

- the console: its width and whether it writes colour are decided as rich's
  ``Console`` decides them (``COLUMNS``, ``LINES``, the terminal size of standard
  input, output or error, ``TERM``, ``FORCE_COLOR``, ``TTY_COMPATIBLE``,
  ``NO_COLOR``);
- the column widths as ``Table._calculate_column_widths`` (``rich.measure``,
  ``_collapse_widths``, ``ratio_reduce``);
- each cell and line as ``Text.wrap`` (``divide_line``, ``rstrip_end``, justify,
  truncate) inside ``Padding``, and styles as ``Style.render`` writes them.

Anything outside that part (text that is not printable ASCII, a title rich would
read as markup or emoji, a style not listed here, a table
wider than the console, a console rich would set up otherwise: Windows, Jupyter,
IDLE, an encoding other than UTF) makes ``summary_text`` return ``None``, and the
caller prints through rich. ``tests/test_summary_text.py`` compares the text with
rich's, in colour and without, at many widths, for random tables and networks.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO

from planner.summary import TITLE_STYLE, Summary

# rich's default theme and Style.render: the SGR codes of the styles the report uses
# (attributes first, then the colour), and which codes are colours (NO_COLOR).
_CODES: dict[str, tuple[str, ...]] = {
    "": (),
    "bold": ("1",),
    "dim": ("2",),
    TITLE_STYLE: ("3",),
    "red": ("31",),
    "yellow": ("33",),
    "bold red": ("1", "31"),
    "bold yellow": ("1", "33"),
}
_COLOURS = frozenset({"31", "33"})

# rich's HEAVY_HEAD box, the default of ``Table``.
_TOP = ("┏", "━", "┳", "┓")
_HEAD = ("┃", "┃", "┃")
_HEAD_RULE = ("┡", "━", "╇", "┩")
_MID = ("│", "│", "│")
_BOTTOM = ("└", "─", "┴", "┘")

_WORD = re.compile(r"\s*\S+\s*")


@dataclass(frozen=True)
class Console:
    """What rich's ``Console`` would use: the width, and whether (and how) styles
    are written."""

    width: int
    colour: bool = False  # writes escape codes (a terminal, not a dumb one)
    no_color: bool = False  # NO_COLOR: bold and dim stay, colours go


def console_for(file: IO[str], environ: Mapping[str, str] | None = None) -> Console | None:
    """The console rich's ``Console(file=file)`` would set up, or ``None`` when rich
    would do something this module does not (Windows, Jupyter, IDLE, an encoding
    other than UTF)."""
    env = os.environ if environ is None else environ
    if sys.platform == "win32" or file is None:
        return None
    import builtins

    if hasattr(builtins, "get_ipython"):  # rich asks IPython whether it is Jupyter
        return None
    if getattr(sys.stdin, "__module__", "").startswith("idlelib"):
        return None
    encoding = (getattr(file, "encoding", "utf-8") or "utf-8").lower()
    if not encoding.startswith("utf"):
        return None
    terminal = _is_terminal(file, env)
    dumb = terminal and env.get("TERM", "").lower() in ("dumb", "unknown")
    return Console(
        width=_width(env, dumb),
        colour=terminal and not dumb,
        no_color=env.get("NO_COLOR", "") != "",
    )


def _is_terminal(file: IO[str], env: Mapping[str, str]) -> bool:
    """``Console.is_terminal``."""
    tty_compatible = env.get("TTY_COMPATIBLE", "")
    if tty_compatible in ("0", "1"):
        return tty_compatible == "1"
    force_color = env.get("FORCE_COLOR")
    if force_color is not None:
        return force_color != ""
    isatty = getattr(file, "isatty", None)
    try:
        return False if isatty is None else bool(isatty())
    except ValueError:
        return False


def _width(env: Mapping[str, str], dumb: bool) -> int:
    """``Console.size.width`` (``COLUMNS`` and ``LINES`` as ``Console.__init__``
    reads them, then the terminal size of standard input, output or error)."""
    columns = env.get("COLUMNS")
    lines = env.get("LINES")
    fixed = int(columns) if columns is not None and columns.isdigit() else None
    if fixed is not None and lines is not None and lines.isdigit():
        return fixed
    if dumb:
        return 80
    width = None
    for fd in _std_fds():
        try:
            width, _ = os.get_terminal_size(fd)
        except (AttributeError, ValueError, OSError):
            pass
        else:
            break
    return (width or 80) if fixed is None else fixed


def _std_fds() -> tuple[int, int, int]:
    """rich's ``_STD_STREAMS``: the descriptors of the interpreter's own standard
    input, output and error (0, 1 and 2 when they have none)."""
    fds = []
    for number, stream in enumerate((sys.__stdin__, sys.__stdout__, sys.__stderr__)):
        try:
            fds.append(stream.fileno())  # type: ignore[union-attr]
        except Exception:
            fds.append(number)
    return fds[0], fds[1], fds[2]


def summary_text(report: Summary, console: Console) -> str | None:
    """The text rich prints for ``planner.report.summary_group(report)`` on
    ``console`` (``Console(highlight=False, soft_wrap=False)``), or ``None`` when the
    report is outside what this module draws.

    >>> import planner
    >>> from planner.summary import summary_of
    >>> report = summary_of(planner.infer(planner.load("keras-autoencoder")))
    >>> text = summary_text(report, Console(width=80))
    >>> for line in text.splitlines()[1:6]:
    ...     print(line)
    ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━┓
    ┃ Layer (type)               ┃ Output shape ┃ Params ┃ How                     ┃
    ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━┩
    │ input (input)              │ (28, 28, 1)  │      0 │                         │
    │ conv2d (conv)              │ (28, 28, 16) │    160 │ 28 (same), pad 1|1      │
    """
    if not _plain(report.title) or any(ch in report.title for ch in "[:"):
        return None  # rich reads a str title as markup with emoji codes
    texts = [text for row in report.rows for text, _ in row]
    texts += [text for text, _ in report.lines]
    if not _plain("".join(texts)):
        return None
    styles = {style or "" for row in report.rows for _, style in row}
    styles |= {style or "" for _, style in report.lines}
    if not styles <= _CODES.keys():
        return None
    widths = _column_widths(report, console.width)
    if widths is None:
        return None
    colour = _Colour(console)
    out: list[str] = []
    table_width = sum(widths) + len(widths) + 1
    if report.title:
        for line in _wrap(report.title, table_width, "left", "fold", False):
            out.append(colour(line, TITLE_STYLE) + "\n")
    out.append(_rule(_TOP, widths))
    out.extend(_header(report, widths, colour))
    out.append(_rule(_HEAD_RULE, widths))
    out.extend(_body(report, widths, colour))
    out.append(_rule(_BOTTOM, widths))
    for text, style in report.lines:
        for line in _wrap(text, console.width, "default", "fold", False):
            out.append(colour(line, style) + "\n")
    return "".join(out)


def _plain(text: str) -> bool:
    """One line of printable ASCII: one terminal cell per character."""
    return text.isascii() and text.isprintable()


class _Colour:
    """``Style.render`` of a style on this console: the text inside its escape codes."""

    def __init__(self, console: Console) -> None:
        self.prefix: dict[str, str] = {}
        for name, codes in _CODES.items():
            if console.no_color:
                codes = tuple(c for c in codes if c not in _COLOURS)
            self.prefix[name] = f"\x1b[{';'.join(codes)}m" if codes and console.colour else ""

    def __call__(self, text: str, style: str | None) -> str:
        prefix = self.prefix[style or ""]
        return prefix + text + "\x1b[0m" if prefix and text else text


def _rule(box: tuple[str, str, str, str], widths: list[int]) -> str:
    left, line, divider, right = box
    return left + divider.join(line * w for w in widths) + right + "\n"


# --- column widths: Table._calculate_column_widths --------------------------------------


def _measure(text: str) -> tuple[int, int]:
    """``Text.__rich_measure__`` of printable ASCII: (longest word, line length)."""
    words = text.split()
    return (max(map(len, words)) if words else len(text)), len(text)


def _cell_range(text_range: tuple[int, int], max_width: int) -> tuple[int, int]:
    """``Measurement.get`` of a cell (the text in ``Padding`` of one space each
    side) at ``max_width``."""
    if max_width < 1:
        return 0, 0
    if max_width - 2 < 1:
        low, high = max_width, max_width
    else:
        low, high = _normalize(*text_range)
        low, high = min(low, max_width), min(high, max_width)
        if high < 1:
            low, high = 0, 0
        else:
            low, high = _normalize(low, high)
        low, high = min(low + 2, max_width), min(high + 2, max_width)
    low, high = _normalize(low, high)
    low, high = min(low, max_width), min(high, max_width)
    if high < 1:
        return 0, 0
    return _normalize(low, high)


def _normalize(low: int, high: int) -> tuple[int, int]:
    low = min(max(0, low), high)
    return max(0, low), max(0, max(low, high))


def _column_range(
    ranges: list[tuple[int, int]], spec_min: int | None, spec_max: int | None, max_width: int
) -> tuple[int, int]:
    """``Table._measure_column`` from the widest text ranges of its cells."""
    if max_width < 1:
        return 0, 0
    cells = [_cell_range(r, max_width) for r in ranges]
    low = max(c[0] for c in cells) if cells else 1
    high = max(c[1] for c in cells) if cells else max_width
    low, high = min(low, max_width), min(high, max_width)
    if spec_min is not None:
        width = max(0, spec_min + 2)
        low, high = max(low, width), max(high, width)
    if spec_max is not None:
        low, high = min(low, spec_max + 2), min(high, spec_max + 2)
    return low, high


def _column_widths(report: Summary, console_width: int) -> list[int] | None:
    """Each column's width with its padding, as rich computes it, or ``None`` when
    rich would crop or squeeze the table."""
    columns = report.columns
    max_width = console_width - (len(columns) + 1)
    # A column's range depends only on its cells' widest word and longest line (a
    # blank cell counts as one word: Text.__rich_measure__).
    ranges: list[list[tuple[int, int]]] = []
    for index, column in enumerate(columns):
        measured = [_measure(column.header)]
        texts = [row[index][0] for row in report.rows]
        if texts:
            words = " ".join(texts).split()
            longest_word = max(
                max(map(len, words), default=0),
                max((len(t) for t in texts if not t or t.isspace()), default=0),
            )
            measured.append((longest_word, max(map(len, texts))))
        ranges.append(measured)

    def measure(widths: list[int] | None) -> list[tuple[int, int]]:
        return [
            _column_range(r, c.min_width, c.max_width, max_width if widths is None else widths[i])
            for i, (r, c) in enumerate(zip(ranges, columns, strict=True))
        ]

    widths = [high or 1 for _, high in measure(None)]
    if sum(widths) > max_width:
        widths = _collapse(widths, [not c.no_wrap for c in columns], max_width)
        if sum(widths) > max_width:
            widths = _ratio_reduce(sum(widths) - max_width, [1] * len(widths), widths, widths)
        widths = [high or 0 for _, high in measure(widths)]
    if sum(widths) > max_width or min(widths) < 3:
        return None  # rich crops the table at the console's edge, or squeezes a column
    return widths


def _collapse(widths: list[int], wrapable: list[bool], max_width: int) -> list[int]:
    """``Table._collapse_widths``."""
    total = sum(widths)
    excess = total - max_width
    if any(wrapable):
        while total and excess > 0:
            widest = max(w for w, ok in zip(widths, wrapable, strict=True) if ok)
            second = max(
                w if ok and w != widest else 0 for w, ok in zip(widths, wrapable, strict=True)
            )
            difference = widest - second
            ratios = [
                1 if (w == widest and ok) else 0 for w, ok in zip(widths, wrapable, strict=True)
            ]
            if not any(ratios) or not difference:
                break
            widths = _ratio_reduce(excess, ratios, [min(excess, difference)] * len(widths), widths)
            total = sum(widths)
            excess = total - max_width
    return widths


def _ratio_reduce(
    total: int, ratios: list[int], maximums: list[int], values: list[int]
) -> list[int]:
    """``rich._ratio.ratio_reduce``."""
    ratios = [ratio if top else 0 for ratio, top in zip(ratios, maximums, strict=True)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining = total
    result = []
    for ratio, top, value in zip(ratios, maximums, values, strict=True):
        if ratio and total_ratio > 0:
            distributed = min(top, round(ratio * remaining / total_ratio))
            result.append(value - distributed)
            remaining -= distributed
            total_ratio -= ratio
        else:
            result.append(value)
    return result


# --- cells and lines: Text.wrap ------------------------------------------------------


def _divide(text: str, width: int, fold: bool) -> list[int]:
    """``rich._wrap.divide_line`` of printable ASCII."""
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(text):
        start = match.start()
        word = match.group(0)
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:
            if fold:
                pieces = [word[i : i + width] for i in range(0, len(word), width)]
                for number, piece in enumerate(pieces, 1):
                    if start:
                        breaks.append(start)
                    if number == len(pieces):
                        offset = len(piece)
                    else:
                        start += len(piece)
            else:
                if start:
                    breaks.append(start)
                offset = len(word)
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    return breaks


def _truncate(line: str, width: int, overflow: str, pad: bool = False) -> str:
    """``Text.truncate``."""
    length = len(line)
    if length > width:
        line = line[: width - 1] + "…" if overflow == "ellipsis" else line[:width]
    if pad and length < width:
        line += " " * (width - length)
    return line


def _wrap(text: str, width: int, justify: str, overflow: str, no_wrap: bool) -> list[str]:
    """``Text.wrap`` of one line of printable ASCII."""
    if no_wrap:
        lines = [text]
    else:
        offsets = _divide(text, width, overflow == "fold")
        lines = [text[a:b] for a, b in zip([0, *offsets], [*offsets, len(text)], strict=True)]
        for i, line in enumerate(lines):
            if len(line) > width:  # Text.rstrip_end: whitespace beyond the width
                spaces = len(line) - len(line.rstrip())
                lines[i] = line[: len(line) - min(spaces, len(line) - width)]
    if justify == "left":
        lines = [_truncate(line, width, overflow, pad=True) for line in lines]
    elif justify == "right":
        lines = [_truncate(line.rstrip(), width, overflow) for line in lines]
        lines = [" " * (width - len(line)) + line for line in lines]
    return [_truncate(line, width, overflow) for line in lines]


def _header(report: Summary, widths: list[int], colour: _Colour) -> list[str]:
    """The header row: bold, padding included; a header that wraps makes the row
    taller, the other headers aligned to its bottom."""
    bold = colour(" ", "bold")
    cells = [
        [
            bold + colour(line, "bold") + bold
            for line in _wrap(c.header, width - 2, c.justify, c.overflow, c.no_wrap)
        ]
        for c, width in zip(report.columns, widths, strict=True)
    ]
    height = max(map(len, cells))
    cells = [
        [colour(" " * width, "bold")] * (height - len(lines)) + lines
        for lines, width in zip(cells, widths, strict=True)
    ]
    left, vertical, right = _HEAD
    return [left + vertical.join(lines[i] for lines in cells) + right + "\n" for i in range(height)]


def _simple_rows(
    report: Summary, inner: list[int], layout: list[tuple[bool, str, bool]]
) -> list[bool]:
    """Per row: whether every cell is unstyled, fits on one line, and (when
    right-justified) has no trailing space; checked a column at a time."""
    simple = [True] * len(report.rows)
    for index, (width, (to_right, _, _)) in enumerate(zip(inner, layout, strict=True)):
        texts = [row[index][0] for row in report.rows]
        styles = [row[index][1] for row in report.rows]
        if any(styles):
            for i, style in enumerate(styles):
                if style:
                    simple[i] = False
        if max(map(len, texts), default=0) > width:
            for i, text in enumerate(texts):
                if len(text) > width:
                    simple[i] = False
        if to_right and " \0" in "\0".join(texts) + "\0":
            for i, text in enumerate(texts):
                if text.endswith(" "):
                    simple[i] = False
    return simple


def _body(report: Summary, widths: list[int], colour: _Colour) -> list[str]:
    """The rows, each as tall as its tallest cell (cells aligned to the top)."""
    left, vertical, right = _MID
    inner = [w - 2 for w in widths]
    layout = [(c.justify == "right", c.overflow, c.no_wrap) for c in report.columns]
    # A row of unstyled cells that fit on one line, in one format call.
    row_format = (
        left
        + vertical.join(
            f" {{:{'>' if to_right else '<'}{width}}} "
            for (to_right, _, _), width in zip(layout, inner, strict=True)
        )
        + right
        + "\n"
    )
    simple = _simple_rows(report, inner, layout)
    out = []
    for row, is_simple in zip(report.rows, simple, strict=True):
        if is_simple:
            out.append(row_format.format(*[text for text, _ in row]))
            continue
        pieces: list[str | list[str]] = []
        height = 1
        for (text, style), width, (to_right, overflow, no_wrap) in zip(
            row, inner, layout, strict=True
        ):
            if len(text) <= width and not style:
                # One line that fits: justified, the trailing spaces of a
                # right-justified text dropped (Lines.justify).
                pieces.append(
                    " " + (text.rstrip().rjust(width) if to_right else text.ljust(width)) + " "
                )
                continue
            lines = _wrap(text, width, "right" if to_right else "left", overflow, no_wrap)
            lines = [" " + colour(line, style) + " " for line in lines]
            height = max(height, len(lines))
            pieces.append(lines if len(lines) > 1 else lines[0])
        if height == 1:
            out.append(left + vertical.join(pieces) + right + "\n")  # type: ignore[arg-type]
            continue
        blocks = [
            [p] + [" " * (w + 2)] * (height - 1)
            if isinstance(p, str)
            else p + [" " * (w + 2)] * (height - len(p))
            for p, w in zip(pieces, inner, strict=True)
        ]
        for line_no in range(height):
            out.append(left + vertical.join(b[line_no] for b in blocks) + right + "\n")
    return out
