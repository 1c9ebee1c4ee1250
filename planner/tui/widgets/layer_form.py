"""The edit form, generated from the selected layer's pydantic model.

Every field of the model gets a widget by its annotation: ``Switch`` for a boolean,
``Select`` for a ``Literal`` (a mode), an ``Input`` for everything else (numbers,
per-axis lists, padding as a mode or amounts, ``?p`` to leave it to the solver).
A new layer type in ``planner.spec.layers`` therefore appears here without UI
code. Typed values are validated by the library as they are typed; an invalid one
shows the library's message under the field and is never applied. Enter applies
one field (one undo step); Esc reverts the form to the network.
"""

from __future__ import annotations

import asyncio
import types
import typing
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, Switch

from planner.errors import PlannerError
from planner.spec.layers import PADDING_MODES
from planner.spec.network import Network
from planner.spec.values import Unknown
from planner.tui import edits
from planner.tui.messages import EditRequested, MarkUnknown
from planner.tui.rows import INPUT_KEY

DEFAULT = "(default)"
NETWORK_FIELDS = ("name", "input_shape", "framework", "data_format", "description")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # "switch", "select" or "input"
    options: tuple[Any, ...] = ()
    optional: bool = False


def _literal_args(annotation: Any) -> tuple[tuple[Any, ...], bool] | None:
    """The options of ``Literal[...]`` or ``Literal[...] | None``, and whether None is one."""
    if typing.get_origin(annotation) is Literal:
        return typing.get_args(annotation), False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1 and typing.get_origin(rest[0]) is Literal:
            return typing.get_args(rest[0]), len(rest) < len(args)
    return None


def field_spec(model: type[Any], name: str, value: Any) -> FieldSpec:
    """The widget kind for ``model.name`` holding ``value``."""
    annotation = model.model_fields[name].annotation
    literal = _literal_args(annotation)
    if literal is not None:
        return FieldSpec(name, "select", literal[0], literal[1])
    args = set(typing.get_args(annotation)) if typing.get_origin(annotation) else {annotation}
    if bool in args and not isinstance(value, Unknown):
        if type(None) in args:
            return FieldSpec(name, "select", (False, True), True)
        if args <= {bool, Unknown}:
            return FieldSpec(name, "switch")
    return FieldSpec(name, "input")


def field_id(name: str) -> str:
    return f"field-{name}"


class LayerForm(VerticalScroll):
    """The fields of the selected layer, or of the network when the input row is selected."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "revert", "Revert form", id="form.revert"),
        Binding("ctrl+g", "mark_unknown", "Unknown for solve", id="form.unknown"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.network: Network | None = None
        self.key: str | None = None
        self._specs: dict[str, FieldSpec] = {}
        # The values last put into the widgets: a change event that reports one of
        # them (Select and Switch post one when mounted or set) is not an edit.
        self._loaded: dict[str, Any] = {}
        self._lock = asyncio.Lock()
        # One pane of fields per kind of layer, built once and then shown or hidden:
        # mounting widgets costs far more than a key press may take.
        self._panes: dict[tuple[Any, ...], FieldPane] = {}
        self._pane: FieldPane | None = None

    def compose(self) -> ComposeResult:
        yield Static("Select a layer to edit it.", id="form-title")

    @property
    def _widgets(self) -> dict[str, Widget]:
        return self._pane.widgets if self._pane is not None else {}

    def field(self, name: str) -> Widget:
        """The widget of field ``name`` in the pane shown now."""
        return self._widgets[name]

    def message(self, name: str) -> str:
        """The validation message shown under field ``name`` ("" when none)."""
        msg = self._pane.messages.get(name) if self._pane is not None else None
        return str(msg.render()) if msg is not None and msg.has_class("-shown") else ""

    # -- what is shown -------------------------------------------------------------

    def _model_and_values(self) -> tuple[type[Any], dict[str, Any], list[str]]:
        assert self.network is not None and self.key is not None
        if self.key == INPUT_KEY:
            net = self.network
            return type(net), {f: getattr(net, f) for f in NETWORK_FIELDS}, list(NETWORK_FIELDS)
        layer = self.network.layer(self.key)
        names = edits.layer_fields(layer, self.network.framework)
        return type(layer), {f: getattr(layer, f) for f in names}, names

    async def show(self, network: Network, key: str | None) -> None:
        """Show ``key``'s fields in the pane for its kind of layer."""
        # A selection and an edit may both ask at once; one switch at a time.
        async with self._lock:
            await self._show(network, key)

    async def _show(self, network: Network, key: str | None) -> None:
        self.network = network
        if key is not None and key != INPUT_KEY and key not in network.layer_names:
            key = None
        self.key = key
        title = self.query_one("#form-title", Static)
        if key is None:
            title.update("Select a layer to edit it.")
            self._switch_to(None)
            return
        model, values, names = self._model_and_values()
        specs = {n: field_spec(model, n, values[n]) for n in names}
        shape = (key == INPUT_KEY, model, tuple(specs.values()))
        pane = self._panes.get(shape)
        if pane is None:
            self._switch_to(None)  # nothing half-built is ever shown or typed into
            pane = FieldPane(specs, [self._widget(spec) for spec in specs.values()])
            self._panes[shape] = pane
            await self.mount(pane)
        self._specs = pane.specs
        self._switch_to(pane)
        title.update(self._title())
        self.revert_values()

    def _switch_to(self, pane: FieldPane | None) -> None:
        if self._pane is not None and self._pane is not pane:
            self._pane.display = False
        self._pane = pane
        if pane is not None:
            pane.display = True

    def _title(self) -> str:
        assert self.network is not None and self.key is not None
        if self.key == INPUT_KEY:
            return f"network {self.network.name}"
        return f"{self.key} ({self.network.layer(self.key).shown_type})"

    def _widget(self, spec: FieldSpec) -> Widget:
        wid = field_id(spec.name)
        if spec.kind == "switch":
            return Switch(id=wid)
        if spec.kind == "select":
            options = [(str(o), str(o)) for o in spec.options]
            if spec.optional:
                options.insert(0, (DEFAULT, DEFAULT))
            return Select(options, allow_blank=False, id=wid, compact=True)
        suggester = None
        if spec.name in ("padding", "cropping"):
            suggester = SuggestFromList(PADDING_MODES, case_sensitive=False)
        return Input(
            id=wid,
            suggester=suggester,
            select_on_focus=False,
            compact=True,
            placeholder="" if spec.name in ("name", "inputs") else "default",
        )

    def revert_values(self) -> None:
        """Put the network's values back into every field and clear the messages."""
        if self.key is None or self.network is None:
            return
        _, values, _ = self._model_and_values()
        for name, spec in self._specs.items():
            widget = self._widgets.get(name)
            if widget is None:
                continue
            value = values[name]
            self._loaded[name] = value
            with widget.prevent(Input.Changed, Switch.Changed, Select.Changed):
                if spec.kind == "switch" and isinstance(widget, Switch):
                    widget.value = bool(value)
                elif spec.kind == "select" and isinstance(widget, Select):
                    widget.value = DEFAULT if value is None else str(value)
                elif isinstance(widget, Input):
                    widget.value = self._text(name, value)
                    widget.cursor_position = len(widget.value)
            self._message(name, None)

    def _text(self, name: str, value: Any) -> str:
        if name == "inputs":
            return ", ".join(value or [])
        if name == "input_shape":
            return ", ".join(str(edits.plain(v)) for v in value)
        return edits.value_text(value)

    def _message(self, name: str, error: str | None) -> None:
        # Messages are mounted on first use: most fields never need one.
        pane = self._pane
        widget = self._widgets.get(name)
        if pane is None or widget is None:
            return
        widget.set_class(bool(error), "-invalid")
        message = pane.messages.get(name)
        if message is None:
            if error:
                message = Static(error, id=f"msg-{name}", classes="field-message -shown")
                pane.messages[name] = message
                pane.mount(message, after=widget)
            return
        message.update(error or "")
        message.set_class(bool(error), "-shown")

    # -- turning a typed value into a network -------------------------------------

    def candidate(self, name: str, raw: Any) -> tuple[str, Network, str | None]:
        """The step name and network ``name = raw`` gives; raises ``PlannerError``."""
        assert self.network is not None and self.key is not None
        net = self.network
        if self.key == INPUT_KEY:
            value = _parse_shape(raw) if name == "input_shape" else raw
            return (
                edits.network_step_name(net, name, value),
                edits.set_network_field(net, name, value),
                INPUT_KEY,
            )
        if name == "name":
            new = str(raw or "").strip()
            return f"rename {self.key} -> {new}", edits.rename_layer(net, self.key, new), new
        if name == "inputs":
            names = [n.strip() for n in str(raw or "").split(",") if n.strip()]
            step = (
                f"{self.key}.inputs {', '.join(net.layer(self.key).inputs or [])} -> "
                + ", ".join(names)
            )
            return step, edits.set_inputs(net, self.key, names), self.key
        value = raw if not isinstance(raw, str) else edits.parse_value(raw)
        return (
            edits.step_name(net, self.key, name, value),
            edits.set_field(net, self.key, name, value),
            self.key,
        )

    def _try(self, name: str, raw: Any) -> tuple[str, Network, str | None] | None:
        try:
            result = self.candidate(name, raw)
        except PlannerError as exc:
            self._message(name, exc.message + (f" [field '{exc.field}']" if exc.field else ""))
            return None
        self._message(name, None)
        return result

    def _field_of(self, widget: Widget) -> str | None:
        wid = widget.id or ""
        return wid.removeprefix("field-") if wid.startswith("field-") else None

    @on(Input.Changed)
    def _validate(self, event: Input.Changed) -> None:
        name = self._field_of(event.input)
        if name is not None:
            self._try(name, event.value)

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        name = self._field_of(event.input)
        if name is None:
            return
        event.stop()
        self._commit(name, event.value)

    @on(Switch.Changed)
    def _switch(self, event: Switch.Changed) -> None:
        name = self._field_of(event.switch)
        if name is not None and event.switch.value != bool(self._loaded.get(name)):
            self._commit(name, event.switch.value)

    @on(Select.Changed)
    def _select(self, event: Select.Changed) -> None:
        name = self._field_of(event.select)
        if name is None:
            return
        spec = self._specs.get(name)
        current = event.select.value
        value: Any = None if current == DEFAULT else current
        for option in spec.options if spec else ():
            if str(option) == value:
                value = option
        if spec is None or value == self._loaded.get(name):
            return
        self._commit(name, value)

    def _commit(self, name: str, raw: Any) -> None:
        result = self._try(name, raw)
        if result is None:
            return
        step, network, select = result
        if network == self.network:
            return
        self.post_message(EditRequested(step, network, select))

    def action_revert(self) -> None:
        self.revert_values()
        self.app.notify("Form reverted", timeout=2)

    def action_mark_unknown(self) -> None:
        focused = self.app.focused
        name = self._field_of(focused) if focused is not None else None
        if name is None or self.key is None:
            self.app.notify("Focus a field of a layer to solve for it", severity="warning")
            return
        layer = "input" if self.key == INPUT_KEY else self.key
        self.post_message(MarkUnknown(f"{layer}.{name}" if layer != "input" else "input"))


class FieldPane(Vertical):
    """The labelled fields of one kind of layer."""

    def __init__(self, specs: dict[str, FieldSpec], widgets: list[Widget]) -> None:
        super().__init__(classes="fields")
        self.specs = specs
        self.widgets = dict(zip(specs, widgets, strict=True))
        self.messages: dict[str, Static] = {}

    def compose(self) -> ComposeResult:
        for name, widget in self.widgets.items():
            yield Label(name, classes="field-label")
            yield widget


def _parse_shape(raw: Any) -> list[Any]:
    """``28, 28, 1`` or ``[H, W, 1]`` -> ``[28, 28, 1]`` / ``["H", "W", 1]``."""
    text = str(raw).strip().strip("[]()")
    dims: list[Any] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        dims.append(int(part) if part.lstrip("-").isdigit() else part)
    return dims
