"""Drawing a rich ``Table`` of many rows, exactly as rich draws it, in a fraction of
the time.

rich measures every cell to size the columns, then renders every cell through its
layout engine (padding, wrapping, cropping): 14 s for the 10,000 rows of
``planner show`` on a 10,000-layer network. The result depends only on the column
widths, and those only on the widest cell and the longest word of each column. So
``LongTable`` asks rich's own width rule about a table holding just those cells (and
the header), lets rich draw the title, the header and the borders, and writes each
row whose cells fit on one line as one line of text; a row that wraps, or holds
styled or non-ASCII text, is rendered by rich as rich renders it. A table using
features outside that (footers, row lines, sections, row styles) is drawn by rich
whole. ``tests/test_long_table.py`` compares the output with rich's, in colour and
without, at several widths.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from rich._wrap import divide_line
from rich.cells import cell_len
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

# Below this many rows rich draws the table itself (the saving would not show).
LONG_ROWS = 200


class LongTable:
    """A renderable that draws ``table`` (cells: ``rich.text.Text``) as rich would."""

    def __init__(self, table: Table):
        self.table = table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        t = self.table
        if not _supported(t):
            yield t
            return
        max_width = options.max_width
        extra = t._extra_width
        widths = _proxy(t)._calculate_column_widths(
            console, options.update_width(max_width - extra)
        )
        render_options = options.update(
            width=sum(widths) + extra, highlight=t.highlight, height=None
        )
        if t.title:
            title = t.title
            text = (
                console.render_str(title, style=Style.pick_first(t.title_style, "table.title"), highlight=False)
                if isinstance(title, str)
                else title
            )  # fmt: skip
            yield from console.render(text, options=render_options.update(justify=t.title_justify))
        # Top border, header and the line under it, from rich; the bottom border last.
        head = list(_head_only(t)._render(console, render_options, widths))
        yield from head[:-2]
        yield from self._rows(console, render_options, widths)
        yield from head[-2:]

    def _rows(self, console: Console, options: ConsoleOptions, widths: list[int]) -> RenderResult:
        t = self.table
        box = t.box.substitute(options, safe=console.safe_box if t.safe_box is None else t.safe_box)  # type: ignore[union-attr]
        columns = t.columns
        inner = [w - 2 for w in widths]
        right_aligned = [c.justify == "right" for c in columns]
        folds = [c.overflow == "fold" and not c.no_wrap for c in columns]
        squeezed = min(inner) < 1  # a column narrower than its padding: rich's to draw
        cells_by_column = [c._cells for c in columns]
        count = len(t.rows)
        new_line = Segment.line()
        for index in range(count):
            last = index == count - 1
            left, vertical, right = (
                (box.foot_left, box.foot_vertical, box.foot_right)
                if last
                else (box.mid_left, box.mid_vertical, box.mid_right)
            )
            row = [cells[index] for cells in cells_by_column]
            if squeezed:
                yield from _rich_row(
                    console, options, t, widths, row, index, (left, vertical, right)
                )
                continue
            pieces = []
            height = 1
            for cell, width, to_right, fold in zip(row, inner, right_aligned, folds, strict=True):
                text = _plain(cell)
                if text is None:
                    break
                if len(text) <= width:
                    # Right-justified text loses its trailing spaces (rich's Lines.justify).
                    line = text.rstrip().rjust(width) if to_right else text.ljust(width)
                    pieces.append(" " + line + " ")
                elif fold:
                    lines = [" " + line + " " for line in _folded(text, width, to_right)]
                    height = max(height, len(lines))
                    pieces.append(lines if len(lines) > 1 else lines[0])
                else:
                    break
            else:
                if height == 1:
                    yield Segment(left + vertical.join(pieces) + right)  # type: ignore[arg-type]
                    yield new_line
                    continue
                blocks = [
                    [p] + [" " * len(p)] * (height - 1)
                    if isinstance(p, str)
                    else p + [" " * len(p[0])] * (height - len(p))
                    for p in pieces
                ]
                for line_no in range(height):
                    yield Segment(left + vertical.join(b[line_no] for b in blocks) + right)
                    yield new_line
                continue
            yield from _rich_row(console, options, t, widths, row, index, (left, vertical, right))


def _supported(t: Table) -> bool:
    """Whether ``LongTable`` draws ``t`` as rich does (else rich draws it)."""
    return (
        t.box is not None
        and _null(t.style)
        and _null(t.border_style)
        and t.show_header
        and t.show_edge
        and not t.show_footer
        and not t.show_lines
        and not t.leading
        and not t.row_styles
        and not t.caption
        and not t.expand
        and t.width is None
        and t.min_width is None
        and t.padding == (0, 1, 0, 1)
        and t.pad_edge
        and not t.collapse_padding
        and all(
            c.justify in ("left", "right")
            and c.vertical == "top"
            and _null(c.style)
            and c.width is None
            and all(isinstance(cell, Text) for cell in c._cells)
            for c in t.columns
        )
        and all(r.style is None and not r.end_section for r in t.rows)
    )


def _null(style: Any) -> bool:
    return not style or style == "none" or (isinstance(style, Style) and not style)


def _plain(cell: Text) -> str | None:
    """The text of a cell drawn as it is: one line of printable ASCII, no style."""
    text = cell.plain
    if cell.style or cell.spans or not text.isascii() or not text.isprintable():
        return None
    return text


def _folded(text: str, width: int, right: bool) -> list[str]:
    """``Text.wrap`` of one line of plain ASCII with ``overflow="fold"``, left or
    right justified: lines of exactly ``width`` characters."""
    offsets = divide_line(text, width, fold=True)
    lines = []
    for start, end in zip([0, *offsets], [*offsets, len(text)], strict=True):
        line = text[start:end]
        if len(line) > width:  # Text.rstrip_end: trailing spaces beyond the width
            spaces = len(line) - len(line.rstrip())
            line = line[: len(line) - min(spaces, len(line) - width)]
        if right:
            line = line.rstrip()[:width]
            lines.append(" " * (width - len(line)) + line)
        else:
            line = line[:width]
            lines.append(line + " " * (width - len(line)))
    return lines


def _measure(text: str) -> tuple[int, int]:
    """``Text.__rich_measure__``: (longest word, longest line) in terminal cells."""
    lines = text.splitlines()
    if text.isascii() and text.isprintable():  # one cell per character
        widest = max(map(len, lines)) if lines else 0
        words = text.split()
        return (max(map(len, words)) if words else widest), widest
    widest = max(cell_len(line) for line in lines) if lines else 0
    words = text.split()
    return (max(cell_len(word) for word in words) if words else widest), widest


def _proxy(t: Table) -> Table:
    """``t`` with only the cells that decide its column widths: per column the one
    with the longest line and the one with the longest word (a column's width range
    is the largest of its cells' ranges)."""
    proxy = Table.__new__(Table)
    proxy.__dict__.update(t.__dict__)
    columns = []
    for column in t.columns:
        cells = column._cells
        if len(cells) > 2:
            ranges = [_measure(cell.plain) for cell in cells]  # type: ignore[union-attr]
            longest_word = max(range(len(cells)), key=lambda i: ranges[i][0])
            longest_line = max(range(len(cells)), key=lambda i: ranges[i][1])
            cells = [cells[longest_word], cells[longest_line]]
        columns.append(replace(column, _cells=list(cells)))
    proxy.columns = columns
    proxy.rows = t.rows[: max((len(c._cells) for c in columns), default=0)]
    return proxy


def _head_only(t: Table) -> Table:
    """``t`` without rows: rich then draws the top border, the header, the line under
    it and the bottom border."""
    proxy = Table.__new__(Table)
    proxy.__dict__.update(t.__dict__)
    proxy.columns = [replace(column, _cells=[]) for column in t.columns]
    proxy.rows = []
    return proxy


def _rich_row(
    console: Console,
    options: ConsoleOptions,
    t: Table,
    widths: list[int],
    row: list[Any],
    index: int,
    box: tuple[str, str, str],
) -> RenderResult:
    """One body row as ``Table._render`` draws it (wrapping, styles, wide text)."""
    get_style = console.get_style
    row_style = get_style(t.get_row_style(console, index))
    cells = []
    for width, cell, column in zip(widths, row, t.columns, strict=True):
        render_options = options.update(
            width=width,
            justify=column.justify,
            no_wrap=column.no_wrap,
            overflow=column.overflow,
            height=None,
            highlight=column.highlight,
        )
        style = get_style(column.style or "") + row_style
        lines = console.render_lines(Padding(cell, t.padding), render_options, style=style)
        cells.append((lines, width, style))
    height = max(len(lines) for lines, _, _ in cells)
    shaped = [
        Segment.set_shape(Segment.align_top(lines, width, height, style), width, height)
        for lines, width, style in cells
    ]
    left, vertical, right = (Segment(part) for part in box)
    divider = (
        vertical if vertical.text.strip() else Segment(vertical.text, row_style.background_style)
    )
    new_line = Segment.line()
    for line_no in range(height):
        yield left
        for i, cell_lines in enumerate(shaped):
            yield from cell_lines[line_no]
            if i != len(shaped) - 1:
                yield divider
        yield right
        yield new_line
