"""The layer table: one row per layer, refreshed by a keyed diff.

On every edit only the cells that changed are rewritten (``update_cell``), stale
rows are removed one by one, new rows added, and the rows re-ordered once by the
``#`` column, so the cursor and the scroll position survive (dolphie's Processlist
refresh). The table is never cleared and rebuilt. When the rows bring other
columns (the cost columns switched on or off), the columns after the first that
differs are removed and added again, empty, and the diff fills them.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from planner.tui.rows import COLUMN_KEYS, INPUT_KEY, Row, layout


class LayerTable(DataTable[object]):
    """Layers keyed by name; the input row first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("g", "scroll_top", "Top", show=False, id="table.top"),
        Binding("G", "scroll_bottom", "Bottom", show=False, id="table.bottom"),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._rows: dict[str, Row] = {}
        self._order: list[str] = []
        self._columns: tuple[str, ...] = ()

    def on_mount(self) -> None:
        self._set_columns(COLUMN_KEYS)

    def _set_columns(self, keys: tuple[str, ...]) -> None:
        """Make the columns ``keys``; cells of re-added columns are empty, for the diff."""
        if keys == self._columns:
            return
        same = 0
        while same < min(len(keys), len(self._columns)) and keys[same] == self._columns[same]:
            same += 1
        for key in self._columns[same:]:
            self.remove_column(key)
        specs = {key: (label, width) for key, label, width in layout(True)}
        for key in keys[same:]:
            label, width = specs[key]
            self.add_column(label, key=key, width=width, default="")
        old = self._columns
        self._columns = keys
        for name, row in self._rows.items():
            cells = dict(zip(old, row.values, strict=True))
            kept = tuple(cells[k] if i < same else "" for i, k in enumerate(keys))
            self._rows[name] = Row(row.key, kept, row.status, row.style, keys)

    @property
    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
        except Exception:  # no rows or a cursor out of range while rows change
            return None

    def row(self, key: str) -> Row:
        return self._rows[key]

    @property
    def rows_in_order(self) -> list[Row]:
        return [self._rows[k] for k in self._order]

    def refresh_rows(self, rows: list[Row], select: str | None = None) -> int:
        """Bring the table to ``rows``; returns how many cells were written."""
        keep = select if select is not None else self.selected_key
        written = 0
        new = {r.key: r for r in rows}
        order = [r.key for r in rows]
        with self.app.batch_update():
            if rows:
                self._set_columns(rows[0].columns)
            widths = {c: self.columns[c].content_width for c in self._columns}
            for key in [k for k in self._rows if k not in new]:
                self.remove_row(key)
                del self._rows[key]
            for row in rows:
                old = self._rows.get(row.key)
                if old is None:
                    self.add_row(*row.cells, key=row.key)
                    written += len(row.values)
                elif old.values != row.values or old.style != row.style:
                    restyle = old.style != row.style
                    for i, (column, before, after) in enumerate(
                        zip(row.columns, old.values, row.values, strict=True)
                    ):
                        if restyle or before != after:
                            # Measuring widths is the costly part: only when the new
                            # text is wider than its column (and never for Status).
                            wider = column != "status" and cell_len(after) > widths[column]
                            self.update_cell(row.key, column, row.cell(i), update_width=wider)
                            written += 1
                self._rows[row.key] = row
            if order != self._order:
                position = {k: i for i, k in enumerate(order)}
                self.sort(key=lambda values: position[_key_of(values)])
            self._order = order
            if keep is not None and keep in new and keep != self.selected_key:
                self.move_cursor(row=self.get_row_index(keep))
        return written

    def select(self, key: str) -> None:
        if key in self._rows:
            self.move_cursor(row=self.get_row_index(key))


def _key_of(values: tuple[object, ...]) -> str:
    # sort() hands the key function a row's cell values; the name column identifies it,
    # except for the input row.
    return INPUT_KEY if str(values[0]) == "0" else str(values[1])
