"""The ``planner tui`` application: a live editor of a network's layers.

The app holds a :class:`~planner.tui.document.Document` and, on every change,
runs ``planner.infer`` and hands the rows to the table's keyed diff; panels ask
the library the rest (``valid_inputs``, ``solve``, ``fixes``, ``translate``).
Keys live in :mod:`planner.tui.bindings`, file actions in :mod:`planner.tui.files`,
workers in :mod:`planner.tui.work`, looks in ``app.tcss``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Input,
    ProgressBar,
    Static,
    TabbedContent,
    TabPane,
)

import planner
from planner.errors import PlannerError
from planner.report import bytes_text, count_text, shape_text
from planner.spec.network import Network
from planner.tui.autosave import Autosave
from planner.tui.bindings import KEYS, bindings, key_display
from planner.tui.document import Document
from planner.tui.explain import explain
from planner.tui.files import FileActions
from planner.tui.layer_actions import LayerActions
from planner.tui.messages import EditRequested, MarkUnknown, RunRequested
from planner.tui.rows import INPUT_KEY, build_rows
from planner.tui.screens.help import HelpScreen
from planner.tui.widgets.fixes_panel import FixesPanel
from planner.tui.widgets.history_panel import HistoryPanel
from planner.tui.widgets.inputs_panel import InputsPanel, inputs_line, inputs_text
from planner.tui.widgets.layer_form import LayerForm
from planner.tui.widgets.layer_table import LayerTable
from planner.tui.widgets.solve_panel import SolvePanel
from planner.tui.work import Runs

TABS = ("edit", "explain", "solve", "inputs", "fixes", "history")
# The field a panel's keys focus, so that typing goes there at once.
PANEL_FIELDS = {"solve": "#solve-unknowns", "fixes": "#fixes-targets"}


class PlannerApp(FileActions, LayerActions, App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "planner"
    BINDINGS = bindings()
    AUTOSAVE_DELAY = 0.3
    INPUTS_DELAY = 0.2
    COST_DTYPE = "float32"
    COST_BATCH = 1

    def __init__(
        self,
        network: Network,
        *,
        path: Path | None = None,
        source: str | None = None,
        cache_dir: Path | None = None,
        recover: bool = True,
    ) -> None:
        super().__init__()
        self.document = Document(network, path=path, source=source)
        self.autosave = Autosave(cache_dir)
        self.runs = Runs(self)
        self.result = planner.infer(network)
        # ``view: cost columns``: planner.cost of every inference while switched on.
        self.show_costs = False
        self.costs: planner.CostResult | None = None
        self.selected: str = INPUT_KEY
        self._recover = recover
        self._autosave_timer: Timer | None = None
        self._explain_timer: Timer | None = None
        self._inputs_timer: Timer | None = None
        # The row the explain panel describes (None until it is first shown).
        self.explained: str | None = None

    # -- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(icon="▦")
        with Horizontal(id="body"):
            with Vertical(id="main"):
                yield LayerTable(id="layers")
                yield Static("", id="info")
                with Horizontal(id="work", classes="-hidden"):
                    yield ProgressBar(total=1.0, show_eta=False, id="progress")
                    yield Static("", id="progress-label")
            with TabbedContent(id="side", initial="edit"):
                with TabPane("Edit", id="edit"):
                    yield LayerForm(id="form")
                with TabPane("Explain", id="explain"):
                    yield Static("", id="explain-text")
                with TabPane("Solve", id="solve"):
                    yield SolvePanel(id="solve-panel")
                with TabPane("Inputs", id="inputs"):
                    yield InputsPanel("", id="inputs-panel")
                with TabPane("Fixes", id="fixes"):
                    yield FixesPanel(id="fixes-panel")
                with TabPane("History", id="history"):
                    yield HistoryPanel(id="history-panel")
        yield Footer()

    @property
    def table(self) -> LayerTable:
        return self.query_one(LayerTable)

    @property
    def form(self) -> LayerForm:
        return self.query_one(LayerForm)

    async def on_mount(self) -> None:
        await self.refresh_view()
        self.table.focus()
        if self._recover:
            self.run_worker(self.offer_recovery(), group="dialog")

    # -- the one refresh path ---------------------------------------------------------

    async def load_document(
        self,
        network: Network,
        *,
        path: Path | None,
        source: str | None,
        dirty: bool = False,
    ) -> None:
        self.runs.cancel_stale()
        self.document = Document(network, path=path, source=source)
        if dirty:
            self.document.mark_unsaved()
        self.selected = INPUT_KEY
        await self.refresh_view()
        self.table.select(INPUT_KEY)
        self.schedule_autosave()

    async def refresh_view(self, select: str | None = None) -> None:
        """Infer the current network and bring every view up to date."""
        net = self.document.network
        self.result = planner.infer(net)
        if select is not None:
            self.selected = select
        keys = {INPUT_KEY, *net.layer_names}
        if self.selected not in keys:
            self.selected = INPUT_KEY
        self.costs = self._cost() if self.show_costs else None
        self.table.refresh_rows(build_rows(self.result, self.costs), select=self.selected)
        self.update_title()
        self._update_info()
        await self.form.show(net, self.selected)
        self.query_one(HistoryPanel).show(self.document.history())
        self._schedule_explain()
        # Valid inputs are asked once typing pauses, not on every keystroke's edit.
        if self._inputs_timer is not None:
            self._inputs_timer.stop()
        self._inputs_timer = self.set_timer(self.INPUTS_DELAY, self._start_inputs)

    def _cost(self) -> planner.CostResult | None:
        try:
            return planner.cost(self.result, dtype=self.COST_DTYPE, batch=self.COST_BATCH)
        except PlannerError as exc:
            self.notify(f"No cost figures: {exc}", severity="error", timeout=6)
            return None

    async def action_toggle_costs(self) -> None:
        self.show_costs = not self.show_costs
        await self.refresh_view()

    def _start_inputs(self) -> None:
        self._inputs_timer = None
        self.runs.start("inputs", [], [])

    def update_title(self) -> None:
        doc = self.document
        net = doc.network
        where = str(doc.path) if doc.path else (doc.source or "new network")
        self.title = f"{net.name}{' *' if doc.dirty else ''}"
        self.sub_title = f"{where} · {net.framework} {net.data_format}"

    def _update_info(self, inputs: str | None = None) -> None:
        result = self.result
        errors = [
            layer
            for layer in result.layers
            if layer.error and not layer.error.startswith("skipped")
        ]
        text = f"input {shape_text(result.input_shape)} → output {shape_text(result.output_shape)}"
        text += f" · {len(result.network.layers)} layers"
        costs = self.costs
        if costs is not None:
            text += (
                f" · MACs {count_text(costs.total_macs)} · activations"
                f" {bytes_text(costs.activation_bytes)} ({costs.dtype}, batch {costs.batch})"
                f" · params {bytes_text(costs.param_bytes)}"
            )
        if errors:
            text += f" · ✗ {errors[0].name}: {errors[0].error}"
        self._info_main = text
        if inputs is not None:
            self._info_inputs = inputs
        extra = getattr(self, "_info_inputs", "")
        info = self.query_one("#info", Static)
        info.update(text + (f"\nvalid inputs: {extra}" if extra else ""))
        info.set_class(bool(errors), "-error")

    # -- selection and panels ---------------------------------------------------------

    @on(DataTable.RowHighlighted, "#layers")
    async def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = str(event.row_key.value)
        if key == self.selected and self.form.key == key:
            return
        self.selected = key
        await self.form.show(self.document.network, key)
        self._schedule_explain()

    @on(DataTable.RowSelected, "#layers")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_show_tab("edit")

    @on(TabbedContent.TabActivated, "#side")
    def _tab(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "explain":
            self._schedule_explain()

    def _schedule_explain(self) -> None:
        if self.query_one("#side", TabbedContent).active != "explain":
            return
        if self._explain_timer is not None:
            self._explain_timer.stop()
        self._explain_timer = self.set_timer(0.05, self._update_explain)

    def _update_explain(self) -> None:
        self._explain_timer = None
        text = explain(self.document.network, self.result, self.selected)
        self.query_one("#explain-text", Static).update(text)
        self.explained = self.selected

    def action_show_tab(self, tab: str) -> None:
        side = self.query_one("#side", TabbedContent)
        side.remove_class("-hidden")
        side.active = tab
        if tab == "edit" and self.form._pane is not None:
            first = next(iter(self.form._pane.widgets.values()), None)
            if first is not None:
                first.focus()
        elif tab in PANEL_FIELDS:
            # What is typed next goes to the panel's first field, not to the table's keys.
            self.query_one(PANEL_FIELDS[tab], Input).focus()

    def action_show_fixes(self) -> None:
        self.action_show_tab("fixes")
        self.query_one(FixesPanel).run()

    def action_toggle_panel(self) -> None:
        self.query_one("#side").toggle_class("-hidden")

    def action_focus_table(self) -> None:
        self.table.focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.current_keymap))

    @property
    def current_keymap(self) -> dict[str, str]:
        return dict(getattr(self, "_keymap", {}))

    # -- edits ------------------------------------------------------------------------

    async def apply_edit(self, step: str, network: Network, select: str | None = None) -> None:
        """Make ``network`` current as one undo step, and refresh."""
        stale = self.runs.cancel_stale()
        if {"solve", "fixes"} & set(stale):
            self.notify("The network changed: the running search was cancelled", timeout=3)
        self.document.apply(step, network)
        await self.refresh_view(select)
        self.schedule_autosave()

    def try_edit(self, step: str, make: Any, *args: Any, select: str | None = None) -> None:
        """Run an edit function; a refused edit is a notification, never a crash."""
        try:
            network = make(self.document.network, *args)
        except PlannerError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return
        target = select(network) if callable(select) else select
        self.run_worker(self.apply_edit(step, network, target), group="edit")

    @on(EditRequested)
    async def _edit_requested(self, event: EditRequested) -> None:
        await self.apply_edit(event.step, event.network, event.select)

    @on(MarkUnknown)
    def _mark_unknown(self, event: MarkUnknown) -> None:
        self.query_one(SolvePanel).add_unknown(event.spec)
        self.action_show_tab("solve")
        self.notify(f"{event.spec} is unknown for the solver", timeout=3)

    # -- long questions ---------------------------------------------------------------

    @on(RunRequested)
    def _run_requested(self, event: RunRequested) -> None:
        self.runs.start(event.kind, event.targets, event.unknowns, event.exact)

    def action_run_panel(self) -> None:
        active = self.query_one("#side", TabbedContent).active
        if active == "solve":
            self.query_one(SolvePanel).run()
        elif active == "fixes":
            self.query_one(FixesPanel).run()
        else:
            self.runs.start("inputs", [], [])

    def action_cancel_work(self) -> None:
        cancelled = [k for k in ("solve", "fixes") if self.runs.cancel(k)]
        if cancelled:
            self.notify(f"Cancelled {', '.join(cancelled)}", timeout=2)

    def show_progress(self, kind: str, fraction: float | None, message: str) -> None:
        """A worker's progress. An indeterminate bar would animate all the time, and
        every frame costs the UI thread time a key press needs: a known fraction
        moves the bar, otherwise only the text changes."""
        work = self.query_one("#work")
        work.remove_class("-hidden")
        bar = self.query_one("#progress", ProgressBar)
        bar.display = fraction is not None
        if fraction is not None:
            bar.update(total=1.0, progress=fraction)
        self.query_one("#progress-label", Static).update(f"{kind}: {message} · Esc cancels")

    def work_done(self, kind: str, version: int, event: Any, result: Any) -> None:
        self.runs.finished(kind)
        if not self.runs.running - {"inputs"}:
            self.query_one("#work").add_class("-hidden")
        stale = version != self.document.version
        if kind == "inputs":
            if stale:
                return
            if isinstance(result, PlannerError):
                self._update_info(inputs=f"- ({result.message})")
                self.query_one(InputsPanel).update(str(result))
                return
            current = dict(zip(result.axes, self.result.input_spatial, strict=False))
            self._update_info(inputs=inputs_line(result))
            self.query_one(InputsPanel).update(inputs_text(result, current))
            return
        panel: Any = self.query_one(SolvePanel if kind == "solve" else FixesPanel)
        if event.is_set() or stale:
            panel.show_result(None, "Cancelled." + (" The network changed." if stale else ""))
        elif isinstance(result, PlannerError):
            panel.show_result(None, str(result))
        else:
            panel.show_result(result)

    # -- palette ----------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        keymap = self.current_keymap
        for k in KEYS:
            keys = key_display(keymap.get(k.id, k.keys))
            yield SystemCommand(
                k.title, f"{k.help} [{keys}]", lambda a=k.action: self.run_action(a)
            )
        yield SystemCommand("view: theme", "Change the colour theme", self.action_change_theme)
