"""Layer specs: one strict pydantic model per layer type.

The canonical spelling of each field is the Keras one where Keras has it
(``kernel_size``, ``strides``, ``pool_size``, ``dilation``); each framework's own
spelling is accepted as an alias (``stride``, ``kernel``, ``dilation_rate``,
``out_channels``...), so a user can paste what they know. Type names accept the
classes of each framework too (``Conv2D``, ``Conv2d``, ``MaxPooling2D``,
``MaxPool2d``, ``ZeroPad2d``...); see ``TYPE_ALIASES``.

Validation here is per layer and framework-free. Per-axis expansion needs the
network's rank and framework, so it happens in ``Network`` via ``normalized``.
"""

# No ``from __future__ import annotations`` here: pydantic would evaluate every field's
# annotation from its text when each layer class is created (a tenth of building
# them at import); written as objects, they are evaluated once by Python.
import ast
import functools
import re
import typing
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator

from planner.spec.values import (
    IntOrUnknown,
    PerAxis,
    Unknown,
    check_positive,
    per_axis,
)

PaddingMode = Literal[
    "valid",
    "same",
    "causal",
    "same_lower",
    "same_upper",
    "circular",
    "reflect",
    "full",
    "notset",
]
PADDING_MODES: tuple[str, ...] = PaddingMode.__args__  # type: ignore[attr-defined]

PadEntry = IntOrUnknown | list[IntOrUnknown]
# As written: a mode, one amount for all axes, or per axis (int or [before, after]),
# or a flat framework-specific list (PyTorch F.pad order, ONNX begins+ends).
PaddingInput = str | Unknown | IntOrUnknown | list[PadEntry]
# After normalisation: a mode, an unknown mode, or (before, after) per axis.
Pads = tuple[tuple[int | Unknown, int | Unknown], ...]


_TUPLE = re.compile(r"^\s*\(.*\)\s*$")


def _as_lists(value: Any) -> Any:
    return [_as_lists(v) for v in value] if isinstance(value, tuple | list) else value


def _python_tuples(data: dict[str, Any]) -> dict[str, Any]:
    """Keras/PyTorch tuples pasted into YAML (``kernel_size: (3, 3)``) arrive as
    strings; read them as the lists they spell."""
    out = None
    for key, value in data.items():
        if isinstance(value, str) and "(" in value and _TUPLE.match(value):
            try:
                parsed = ast.literal_eval(value)
            except (ValueError, SyntaxError):
                continue
            if out is None:
                out = dict(data)
            out[key] = _as_lists(parsed)
    return data if out is None else out


def _alias(*names: str) -> Any:
    return Field(validation_alias=AliasChoices(*names))


class cached_property(functools.cached_property):  # type: ignore[type-arg]
    """``functools.cached_property`` without the lock Python 3.11 takes on every first
    access (a tenth of a first inference: every layer of a fresh network computes
    three). Values are pure functions of the frozen fields, so two threads computing
    one twice agree."""

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self.attrname] = self.func(instance)
        return value


class LayerBase(BaseModel):
    """Fields every layer has: its type, its unique name, and its inputs."""

    # defer_build: a layer's own validator is built only if something validates a layer
    # alone; a network's validator (built once in network.py) covers every layer type.
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        frozen=True,
        defer_build=True,
        ignored_types=(cached_property,),
    )

    type: str
    name: str | None = None
    inputs: list[str] | None = Field(
        default=None, validation_alias=AliasChoices("inputs", "input", "inbound")
    )

    # Fields holding one value per spatial axis after normalisation.
    per_axis_fields: ClassVar[tuple[str, ...]] = ()
    # Fields that must be >= 1 (strides, kernel sizes, ...).
    positive_fields: ClassVar[tuple[str, ...]] = ()
    # Keras' base for generated names (``conv{rank}d`` -> ``conv2d``, ``conv2d_1``).
    keras_name: ClassVar[str] = "layer"
    # Merges take two or more inputs; every other layer takes exactly one.
    is_merge: ClassVar[bool] = False
    # Fields holding padding-like amounts: a mode, or (before, after) per axis.
    pad_fields: ClassVar[tuple[str, ...]] = ()
    # Fields naming other layers whose shape (not values) the layer reads, beside
    # its ``inputs`` (``crop_to``'s ``like``); they must come earlier, as inputs do.
    ref_fields: ClassVar[tuple[str, ...]] = ()

    @field_validator("inputs", mode="before")
    @classmethod
    def _one_input_as_list(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @model_validator(mode="before")
    @classmethod
    def _as_written(cls, data: Any) -> Any:
        """A layer's mapping before its fields are validated: the class's own
        spellings first (``_rewrite``, where ``rewrites`` says it has some), then
        Python tuples read as lists (``_python_tuples``). One validator per layer:
        pydantic calls each separately."""
        if not isinstance(data, dict):
            return data
        if cls.rewrites:
            data = cls._rewrite(data)
        return _python_tuples(data)

    # Whether the class rewrites some keys of the mapping (``_rewrite``).
    rewrites: ClassVar[bool] = False

    @classmethod
    def _rewrite(cls, data: dict[str, Any]) -> dict[str, Any]:
        return data

    def default_name(self, rank: int) -> str:
        return self.keras_name.format(rank=rank)

    @property
    def shown_type(self) -> str:
        """The type as ``show`` prints it (``min_pool`` for a max pool reducing by min)."""
        return self.type

    @property
    def references(self) -> list[str]:
        """The layers named by ``ref_fields`` (read for their shape only)."""
        return [getattr(self, f) for f in self.ref_fields]

    @property
    def sources(self) -> list[str]:
        """Every tensor the layer reads: its inputs, then its references."""
        return [*(self.inputs or []), *self.references]

    @cached_property
    def has_unknowns(self) -> bool:
        """Whether any field holds an ``Unknown`` (inference then resolves values)."""
        values = self.__dict__
        cls = type(self)
        fields = _UNKNOWN_FIELDS.get(cls)
        if fields is None:
            fields = _unknown_fields(cls)
        for f in fields:
            value = values[f]
            kind = type(value)
            if kind is tuple or kind is list:
                if _holds_unknown(value):
                    return True
            elif kind is Unknown:
                return True
        return False

    @cached_property
    def memo(self) -> dict[Any, Any]:
        """Inference's per-layer memo: input channels -> (output channels, parameters),
        and the verdict of the dialect's whole-layer checks."""
        return {}

    def replaced(self, update: dict[str, Any], fields_set: set[str] | None = None) -> Any:
        """``model_copy(update=update)`` made directly (pydantic's copy machinery was
        most of validating a large network, which copies every layer): the values must
        be valid already. ``fields_set`` replaces the set of fields written (default:
        this layer's plus the updated ones). Values cached from the old fields
        (``memo``, ``has_unknowns``...) are not carried over."""
        # Attributes of pydantic models and their classes are slow to reach (their
        # classes define ``__getattr__``): each is read once, the class's through
        # ``_field_count``, and the copy is made with ``object``'s own methods.
        cls = type(self)
        values = self.__dict__
        count = _FIELD_COUNT.get(cls) or _field_count(cls)
        values = (
            dict(values)
            if len(values) == count
            else {f: values[f] for f in cls.__pydantic_fields__}
        )
        values.update(update)
        out = _new(cls)
        _set(out, "__dict__", values)
        written = self.__pydantic_fields_set__ | update.keys() if fields_set is None else fields_set
        _set(out, "__pydantic_fields_set__", set(written))
        _set(out, "__pydantic_extra__", None)
        _set(out, "__pydantic_private__", None)
        return out

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            # An absent attribute (``getattr(layer, "strides", None)`` on a layer without
            # strides, common in inference): pydantic's own ``__getattr__`` looks for
            # private attributes and extra fields first, which layers never have, at
            # several times the cost.
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def normalized(self, rank: int, framework: str) -> "LayerBase":
        """This layer with every per-axis field expanded to ``rank`` entries."""
        update, written = self.normal_update(rank, framework)
        # Normal forms are not user choices: keep "which fields were written" (a
        # framework's default may differ from planner's, e.g. ONNX count_include_pad).
        return self.replaced(update, self.__pydantic_fields_set__ | written)

    def normal_update(self, rank: int, framework: str) -> tuple[dict[str, Any], set[str]]:
        """What ``normalized`` changes, without copying the layer: the new values of the
        fields it rewrites, and the fields it marks as written beside this layer's own
        (set only where a layer turns one written field into another)."""
        return self._expanded(rank, framework, {}), set()

    def _expanded(self, rank: int, framework: str, update: dict[str, Any]) -> dict[str, Any]:
        """``update`` (values that replace this layer's) plus every per-axis and
        padding field in its normal form."""
        values = self.__dict__
        # Positive fields are checked after every per-axis field is expanded; when
        # each per-axis value is one integer >= 1 and every positive field is a
        # per-axis one (most layers), there is nothing left to check.
        check = _CHECK_POSITIVE.get(type(self))
        if check is None:
            check = _check_positive_always(type(self))
        for f in self.per_axis_fields:
            value = update[f] if f in update else values[f]
            if value is None:
                continue
            if type(value) is int:  # per_axis' common case, inline
                update[f] = (value,) * rank
                if value < 1:
                    check = True
                continue
            check = True
            try:
                update[f] = per_axis(value, rank, f)
            except ValueError as exc:
                raise _field_error(self, f, str(exc)) from None
        if check:
            for f in self.positive_fields:
                value = update[f] if f in update else values[f]
                if value is None:
                    continue
                try:
                    check_positive(value if type(value) is tuple else (value,), f)
                except ValueError as exc:
                    raise _field_error(self, f, str(exc)) from None
        for f in self.pad_fields:
            value = values[f]
            if type(value) is str and value[:1] != "?":  # a mode: normalize_padding's first case
                mode = value.lower()
                if mode in _PADDING_MODE_SET:
                    update[f] = mode
                    continue
            update[f] = normalize_padding(self, value, rank, framework, f)
        return update

    def normalize_own_copy(self, rank: int, framework: str) -> None:
        """``normalized`` applied to this layer itself, in place: only for a copy that
        nothing else holds yet (``Network`` validation makes one per layer to name it),
        saving a second copy of every layer."""
        update, written = self.normal_update(rank, framework)
        self.__dict__.update(update)
        self.__pydantic_fields_set__.update(written)


_new = object.__new__
_set = object.__setattr__
_PADDING_MODE_SET = frozenset(PADDING_MODES)
# The number of fields of each layer class (read from the class once).
_FIELD_COUNT: dict[type, int] = {}


def _field_count(cls: type[LayerBase]) -> int:
    count = _FIELD_COUNT[cls] = len(cls.__pydantic_fields__)
    return count


# The fields of each layer class that may hold an ``Unknown`` (read from the class once).
_UNKNOWN_FIELDS: dict[type, tuple[str, ...]] = {}


def _unknown_fields(cls: type["LayerBase"]) -> tuple[str, ...]:
    """The fields of ``cls`` whose type admits an ``Unknown`` (or anything at all):
    validation puts unknowns nowhere else, so ``has_unknowns`` looks only at these."""
    fields = _UNKNOWN_FIELDS[cls] = tuple(
        f for f, info in cls.__pydantic_fields__.items() if _admits_unknown(info.annotation)
    )
    return fields


def _admits_unknown(annotation: Any) -> bool:
    """Whether a field annotation admits an ``Unknown``: it names ``Unknown`` or
    ``Any`` somewhere inside (``int | Unknown``, ``list[Any] | None``...).

    >>> _admits_unknown(int | None), _admits_unknown(list[Any]), _admits_unknown(PerAxis)
    (False, True, True)
    """
    if annotation is Unknown or annotation is Any:
        return True
    return any(_admits_unknown(a) for a in typing.get_args(annotation))


def _holds_unknown(value: Any) -> bool:
    """Whether ``value`` (a field: a scalar, or nested tuples and lists) holds an
    ``Unknown``; checked once per layer, so kept cheap for the common scalars."""
    kind = type(value)
    if kind is tuple or kind is list:
        for v in value:
            # Most entries are ints: decided here, without a call per entry.
            kind = type(v)
            if kind is int:
                continue
            if kind is Unknown or ((kind is tuple or kind is list) and _holds_unknown(v)):
                return True
        return False
    return kind is Unknown


def _field_error(layer: "LayerBase", field: str, message: str) -> Exception:
    from planner.errors import SpecError

    return SpecError(message, layer=layer.name, field=field)


def normalize_padding(
    layer: LayerBase, value: Any, rank: int, framework: str, field: str = "padding"
) -> Any:
    """Bring a padding value to one form: a mode string, or (before, after) per axis.

    A flat list of ``2 * rank`` amounts is read the way the network's framework reads
    it: PyTorch's ``F.pad``/``ZeroPad2d`` order (last axis first, before then after)
    or ONNX's ``pads`` (all begins, then all ends).
    """
    if isinstance(value, str) and value.startswith("?"):
        value = Unknown.parse(value)
    if isinstance(value, str):
        mode = value.lower()
        if mode not in PADDING_MODES:
            raise _field_error(
                layer, field, f"unknown padding mode {value!r}; valid: {', '.join(PADDING_MODES)}"
            )
        return mode
    if isinstance(value, Unknown) and value.choices is not None:
        modes = [c for c in value.choices if isinstance(c, str)]
        if not modes:  # amounts: each choice pads both sides of every axis
            return ((value, value),) * rank
        if len(modes) != len(value.choices):
            raise _field_error(
                layer,
                field,
                f"the choices of unknown {value.name!r} mix padding modes and amounts "
                f"({', '.join(map(str, value.choices))}); list modes or amounts, not both",
            )
        return value
    if isinstance(value, int | Unknown):
        return ((value, value),) * rank
    if isinstance(value, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in value):
        return value
    values = list(value)
    if (
        framework == "torch"
        and layer.type == "zero_padding"
        and all(not isinstance(v, list) for v in values)
    ):
        return _torch_pad_list(layer, values, rank, field)
    if (len(values) == 2 * rank and rank > 1) or (
        rank == 1 and len(values) == 2 and all(not isinstance(v, list) for v in values)
    ):
        flat = values
        if any(isinstance(v, list) for v in flat):
            raise _field_error(layer, field, f"mixed flat and nested padding: {values}")
        if framework == "onnx":
            return tuple((flat[i], flat[i + rank]) for i in range(rank))
        if framework == "torch":
            # F.pad order: (last_before, last_after, prev_before, prev_after, ...)
            pairs = [(flat[2 * i], flat[2 * i + 1]) for i in range(rank)]
            return tuple(reversed(pairs))
        if rank == 1:
            return ((flat[0], flat[1]),)
        raise _field_error(
            layer,
            field,
            f"a flat list of {2 * rank} amounts is ambiguous for {framework}; "
            "write one [before, after] pair per axis",
        )
    if len(values) == 1 and rank != 1:
        values = values * rank
    if len(values) != rank:
        raise _field_error(
            layer,
            field,
            f"needs a mode, one amount, {rank} per-axis amounts or [before, after] pairs"
            f" (or a flat list of {2 * rank}); received {values}",
        )
    pairs = []
    for v in values:
        if isinstance(v, list):
            if len(v) != 2:
                raise _field_error(layer, field, f"a per-axis pair needs 2 values, received {v}")
            pairs.append((v[0], v[1]))
        else:
            pairs.append((v, v))
    return tuple(pairs)


def _torch_pad_list(layer: "LayerBase", values: list[Any], rank: int, field: str) -> Any:
    """``F.pad``/``nn.ZeroPad2d`` amounts: pairs from the last axis backwards; a
    shorter list pads only the last axes (``(4, 0)`` on a 2D image pads W alone)."""
    if len(values) % 2 or len(values) > 2 * rank:
        raise _field_error(
            layer,
            field,
            f"PyTorch padding lists hold (before, after) pairs, last axis first, at most "
            f"{2 * rank} amounts for {rank} spatial axes; received {values}. Write "
            f"[[before, after], ...] per axis (first axis first) to avoid the question",
        )
    mode = getattr(layer, "padding_mode", "constant")
    if mode != "constant" and len(values) != 2 * rank:
        # F.pad's reflect/replicate/circular take pairs for every spatial axis:
        # "Padding size 2 is not supported for 4D input tensor".
        raise _field_error(
            layer,
            field,
            f"PyTorch {mode} padding needs a (before, after) pair for each of the {rank} "
            f"spatial axes ({2 * rank} amounts, last axis first); received {values}, which "
            f"PyTorch refuses for a {rank + 2}D tensor. Write 0, 0 for an axis left alone",
        )
    pairs = [(values[2 * i], values[2 * i + 1]) for i in range(len(values) // 2)]
    pairs += [(0, 0)] * (rank - len(pairs))
    return tuple(reversed(pairs))


class Input(LayerBase):
    """The network input. Optional: ``Network.input_shape`` creates one."""

    type: Literal["input"] = "input"
    shape: list[Any] | None = _alias("shape", "input_shape", "batch_shape")
    keras_name: ClassVar[str] = "input_layer"


JaxApi = Literal["flax", "lax"]


class _Windowed(LayerBase):
    """Shared by convolutions and pooling: a window sliding with stride and padding."""

    per_axis_fields: ClassVar[tuple[str, ...]] = (
        "kernel_size",
        "strides",
        "dilation",
        "input_dilation",
    )
    positive_fields: ClassVar[tuple[str, ...]] = (
        "kernel_size",
        "strides",
        "dilation",
        "input_dilation",
    )
    pad_fields: ClassVar[tuple[str, ...]] = ("padding",)

    strides: PerAxis = Field(1, validation_alias=AliasChoices("strides", "stride", "subsample"))
    padding: PaddingInput = Field(
        "valid", validation_alias=AliasChoices("padding", "pads", "auto_pad", "pad")
    )
    dilation: PerAxis = Field(
        1,
        validation_alias=AliasChoices(
            "dilation",
            "dilation_rate",
            "dilations",
            "kernel_dilation",
            "rhs_dilation",
            "window_dilation",
        ),
    )
    # JAX only: the input dilated before the window slides (``lhs_dilation`` of
    # ``lax.conv_general_dilated``, Flax ``Conv(input_dilation=)``, ``base_dilation``
    # of ``lax.reduce_window``).
    input_dilation: PerAxis = Field(
        1, validation_alias=AliasChoices("input_dilation", "lhs_dilation", "base_dilation")
    )
    # JAX only: which level the layer is written at, ``flax`` (flax.linen, the
    # default) or ``lax`` (jax.lax); set for every layer by the network's ``api``.
    api: JaxApi | None = None
    # ONNX nodes may carry ``pads`` beside an ``auto_pad`` other than NOTSET: ONNX
    # Runtime then refuses a Conv/ConvTranspose and ignores the pads of a pooling.
    # Set from the two attributes as ONNX writes them (see ``_onnx_auto_pad``).
    pads_beside_auto_pad: list[Any] | None = None

    def normal_update(self, rank: int, framework: str) -> tuple[dict[str, Any], set[str]]:
        values = self.__dict__
        if framework != "jax":
            jax_fields = _JAX_FIELDS.get(type(self))
            if jax_fields is None:
                jax_fields = _jax_fields(type(self))
            for f, default in jax_fields:
                if values[f] != default:
                    raise _field_error(
                        self,
                        f,
                        f"{f}={getattr(self, f)!r} is a JAX (jax.lax / flax) setting; a "
                        f"{framework} layer has none",
                    )
        if values["pads_beside_auto_pad"] is not None and framework != "onnx":
            raise _field_error(
                self,
                "padding",
                f"auto_pad={self.padding!r} together with pads is an ONNX form; a "
                f"{framework} layer takes one padding",
            )
        return self._expanded(rank, framework, {}), set()  # LayerBase.normal_update

    rewrites: ClassVar[bool] = True

    @classmethod
    def _rewrite(cls, data: dict[str, Any]) -> dict[str, Any]:
        """``auto_pad`` together with ``pads``/``padding``: NOTSET means the pads;
        another mode wins, and the pads are kept aside for the dialect to judge."""
        if "auto_pad" not in data:
            return data
        given = [k for k in ("padding", "pads", "pad") if k in data]
        if not given:
            return data
        data = dict(data)
        mode = data.pop("auto_pad")
        if isinstance(mode, str) and mode.lower() == "notset":
            return data
        pads = data.pop(given[0])
        data["padding"] = mode
        data["pads_beside_auto_pad"] = pads if isinstance(pads, list) else [pads]
        return data


class Conv(_Windowed):
    """Convolution (``Conv2D``, ``nn.Conv2d``, ``flax.linen.Conv``, ONNX ``Conv``)."""

    type: Literal["conv"] = "conv"
    # As pasted from PyTorch: checked against the incoming channels.
    in_channels: Annotated[int, Field(ge=1)] | None = None
    filters: Annotated[int, Field(ge=1)] = _alias(
        "filters", "out_channels", "features", "num_filters"
    )
    kernel_size: PerAxis = _alias("kernel_size", "kernel", "kernel_shape", "ksize")
    groups: Annotated[int, Field(ge=1)] = Field(
        1, validation_alias=AliasChoices("groups", "group", "feature_group_count")
    )
    use_bias: bool = Field(True, validation_alias=AliasChoices("use_bias", "bias"))
    padding_mode: Literal["zeros", "reflect", "replicate", "circular"] = "zeros"
    activation: str | None = None
    keras_name: ClassVar[str] = "conv{rank}d"


class DepthwiseConv(_Windowed):
    """Depthwise convolution: one filter per input channel times ``depth_multiplier``."""

    type: Literal["depthwise_conv"] = "depthwise_conv"
    kernel_size: PerAxis = _alias("kernel_size", "kernel", "kernel_shape", "ksize")
    depth_multiplier: Annotated[int, Field(ge=1)] = 1
    use_bias: bool = Field(True, validation_alias=AliasChoices("use_bias", "bias"))
    activation: str | None = None
    keras_name: ClassVar[str] = "depthwise_conv{rank}d"


class SeparableConv(_Windowed):
    """Depthwise then pointwise convolution (``SeparableConv2D``)."""

    type: Literal["separable_conv"] = "separable_conv"
    filters: Annotated[int, Field(ge=1)] = _alias("filters", "out_channels", "features")
    kernel_size: PerAxis = _alias("kernel_size", "kernel", "kernel_shape", "ksize")
    depth_multiplier: Annotated[int, Field(ge=1)] = 1
    use_bias: bool = Field(True, validation_alias=AliasChoices("use_bias", "bias"))
    activation: str | None = None
    keras_name: ClassVar[str] = "separable_conv{rank}d"


class ConvTranspose(_Windowed):
    """Transposed convolution (``Conv2DTranspose``, ``nn.ConvTranspose2d``, ...)."""

    type: Literal["conv_transpose"] = "conv_transpose"
    in_channels: Annotated[int, Field(ge=1)] | None = None
    per_axis_fields: ClassVar[tuple[str, ...]] = (
        "kernel_size",
        "strides",
        "dilation",
        "output_padding",
        "output_size",
    )
    filters: Annotated[int, Field(ge=1)] = _alias(
        "filters", "out_channels", "features", "num_filters"
    )
    kernel_size: PerAxis = _alias("kernel_size", "kernel", "kernel_shape", "ksize")
    output_padding: PerAxis | None = Field(
        None, validation_alias=AliasChoices("output_padding", "adj", "output_padding_")
    )
    # ONNX ``output_shape``: the spatial size to produce (padding derived from it).
    output_size: PerAxis | None = Field(
        None, validation_alias=AliasChoices("output_size", "output_shape")
    )
    # jax.lax.conv_transpose: explicit pairs are the forward convolution's padding
    # (PyTorch's meaning) instead of padding of the dilated input.
    use_consistent_padding: bool = False
    groups: Annotated[int, Field(ge=1)] = Field(1, validation_alias=AliasChoices("groups", "group"))
    use_bias: bool = Field(True, validation_alias=AliasChoices("use_bias", "bias"))
    activation: str | None = None
    keras_name: ClassVar[str] = "conv{rank}d_transpose"


# Fields only JAX has, with their defaults (refused in other frameworks).
JAX_ONLY: dict[str, Any] = {
    "input_dilation": 1,
    "api": None,
    "use_consistent_padding": False,
    "reduce": None,
}


# Per layer class: whether its positive fields are checked whatever the values (some
# are not per-axis fields, so expanding the per-axis ones does not check them).
_CHECK_POSITIVE: dict[type, bool] = {}


def _check_positive_always(cls: type[LayerBase]) -> bool:
    always = _CHECK_POSITIVE[cls] = not set(cls.positive_fields) <= set(cls.per_axis_fields)
    return always


# Per layer class: the JAX-only fields it has, with their defaults.
_JAX_FIELDS: dict[type, tuple[tuple[str, Any], ...]] = {}


def _jax_fields(cls: type[LayerBase]) -> tuple[tuple[str, Any], ...]:
    fields = _JAX_FIELDS[cls] = tuple(
        (f, default) for f, default in JAX_ONLY.items() if f in cls.__pydantic_fields__
    )
    return fields


class _Pool(_Windowed):
    per_axis_fields: ClassVar[tuple[str, ...]] = (
        "pool_size",
        "strides",
        "dilation",
        "input_dilation",
    )
    positive_fields: ClassVar[tuple[str, ...]] = (
        "pool_size",
        "strides",
        "dilation",
        "input_dilation",
    )
    # JAX: ``min`` pooling (flax.linen.min_pool, lax.reduce_window with lax.min) on a
    # max_pool, ``sum`` pooling (lax.reduce_window with lax.add) on an avg_pool.
    reduce: Literal["min", "sum"] | None = None

    pool_size: PerAxis = _alias(
        "pool_size", "kernel_size", "window_shape", "kernel_shape", "kernel"
    )
    # None: the framework's default (Keras/PyTorch: the pool size; Flax and ONNX: 1).
    strides: PerAxis | None = Field(None, validation_alias=AliasChoices("strides", "stride"))
    ceil_mode: bool | Unknown = False
    count_include_pad: bool = True

    def default_name(self, rank: int) -> str:
        if self.reduce is not None:
            return f"{self.reduce}_pooling{rank}d"
        return super().default_name(rank)

    @property
    def shown_type(self) -> str:
        return f"{self.reduce}_pool" if self.reduce is not None else self.type


class MaxPool(_Pool):
    """Max pooling (``MaxPooling2D``, ``nn.MaxPool2d``, ``flax.linen.max_pool``)."""

    type: Literal["max_pool"] = "max_pool"
    keras_name: ClassVar[str] = "max_pooling{rank}d"


class AvgPool(_Pool):
    """Average pooling (``AveragePooling2D``, ``nn.AvgPool2d``, ``flax.linen.avg_pool``)."""

    type: Literal["avg_pool"] = "avg_pool"
    keras_name: ClassVar[str] = "average_pooling{rank}d"


class GlobalPool(LayerBase):
    """Pooling over every spatial axis (``GlobalAveragePooling2D``, adaptive pool to 1)."""

    type: Literal["global_pool"] = "global_pool"
    op: Literal["avg", "max"] = "avg"
    keepdims: bool = False
    # Adaptive pooling (``AdaptiveAvgPool2d((7, 7))``): the output size per axis,
    # ``None`` keeping the input's size on that axis. Unset: 1 everywhere.
    output_size: int | list[int | None] | None = None

    @field_validator("output_size")
    @classmethod
    def _sizes(cls, v: Any) -> Any:
        for size in v if isinstance(v, list) else [v]:
            if size is not None and (isinstance(size, bool) or size < 1):
                raise ValueError(
                    f"adaptive pooling output sizes must be >= 1 or None, received {v}"
                )
        return v

    def default_name(self, rank: int) -> str:
        op = "average" if self.op == "avg" else "max"
        sizes = self.output_size if isinstance(self.output_size, list) else [self.output_size]
        if any(size not in (None, 1) for size in sizes) or (
            isinstance(self.output_size, list) and None in sizes
        ):
            return f"adaptive_{op}_pooling{rank}d"  # not global: keeps or sets sizes
        return f"global_{op}_pooling{rank}d"


class UpSample(LayerBase):
    """Upsampling by a factor (``UpSampling2D(size=2)``, ``nn.Upsample(scale_factor=2)``)
    or to a fixed size (``nn.Upsample(size=...)``)."""

    type: Literal["upsample"] = "upsample"
    per_axis_fields: ClassVar[tuple[str, ...]] = ("scale", "output_size")
    scale: IntOrUnknown | float | list[IntOrUnknown | float] | None = Field(
        None, validation_alias=AliasChoices("scale", "scale_factor", "factor")
    )
    output_size: PerAxis | None = None
    # Keras ``size`` is a factor; PyTorch ``size`` is the output size. Resolved by
    # the network's framework in ``normalized``.
    size: int | float | list[int | float] | None = None
    mode: str = Field("nearest", validation_alias=AliasChoices("mode", "interpolation", "method"))
    align_corners: bool | None = None
    # Keras ``Resizing(height, width)``: a fixed output size (shape-neutral options).
    resizing: bool = False
    crop_to_aspect_ratio: bool = False
    pad_to_aspect_ratio: bool = False

    rewrites: ClassVar[bool] = True

    @classmethod
    def _rewrite(cls, data: dict[str, Any]) -> dict[str, Any]:
        """Keras ``Resizing(height, width)``: a fixed output size, bilinear unless
        it says otherwise."""
        if "height" in data and "width" in data:
            data = dict(data)
            data["output_size"] = [data.pop("height"), data.pop("width")]
        if data.get("resizing") and not {"mode", "interpolation", "method"} & set(data):
            data = {**data, "mode": "bilinear"}  # Keras Resizing's default
        return data

    keras_name: ClassVar[str] = "up_sampling{rank}d"

    def normal_update(self, rank: int, framework: str) -> tuple[dict[str, Any], set[str]]:
        # Keras' ``size`` is a factor, PyTorch's an output size; Keras alone defaults
        # to a factor of 2. The fields set here count as written.
        update: dict[str, Any] = {}
        scale, output_size = self.scale, self.output_size
        if self.size is not None:
            if framework == "torch":
                update = {"output_size": self.size, "size": None}
                output_size = self.size
            else:
                update = {"scale": self.size, "size": None}
                scale = self.size
        if scale is None and output_size is None:
            if framework != "keras":
                # torch: "either size or scale_factor should be defined"; ONNX Resize
                # needs scales or sizes; jax.image.resize needs the shape.
                raise _field_error(
                    self,
                    "scale",
                    f"{framework} upsampling needs a scale factor (scale_factor) or an "
                    "output size (size); only Keras' UpSampling defaults to 2",
                )
            update["scale"] = scale = 2
        if scale is not None and output_size is not None:
            raise _field_error(
                self, "scale", "give either a scale factor or an output size, not both"
            )
        written = set(update)
        return self._expanded(rank, framework, update), written


FillMode = Literal["constant", "reflect", "replicate", "circular"]
# Other spellings of the fill modes: PyTorch Conv ``padding_mode``, NumPy/ONNX ``Pad``.
FILL_ALIASES = {"zeros": "constant", "edge": "replicate", "wrap": "circular"}


class ZeroPadding(LayerBase):
    """Explicit padding per side (``ZeroPadding2D``, ``nn.ZeroPad2d``, ``F.pad``), with
    zeros by default or the input's own values (``padding_mode``: ``reflect`` for
    ``nn.ReflectionPad2d``, ``replicate``, ``circular``; ONNX ``Pad`` modes
    ``edge`` and ``wrap`` are read as ``replicate`` and ``circular``)."""

    type: Literal["zero_padding"] = "zero_padding"
    pad_fields: ClassVar[tuple[str, ...]] = ("padding",)
    padding: PaddingInput = Field(1, validation_alias=AliasChoices("padding", "pads", "pad"))
    padding_mode: FillMode = Field(
        "constant", validation_alias=AliasChoices("padding_mode", "mode")
    )
    keras_name: ClassVar[str] = "zero_padding{rank}d"

    @field_validator("padding_mode", mode="before")
    @classmethod
    def _fill_alias(cls, v: Any) -> Any:
        return FILL_ALIASES.get(v.lower(), v.lower()) if isinstance(v, str) else v

    def default_name(self, rank: int) -> str:
        if self.padding_mode == "constant":
            return self.keras_name.format(rank=rank)
        word = {"reflect": "reflection", "replicate": "replication"}.get(self.padding_mode)
        return f"{word or self.padding_mode}_padding{rank}d"


class Cropping(LayerBase):
    """Cropping per side (``Cropping2D``; a U-Net's crop before concatenation)."""

    type: Literal["cropping"] = "cropping"
    pad_fields: ClassVar[tuple[str, ...]] = ("cropping",)
    cropping: PaddingInput = Field(0, validation_alias=AliasChoices("cropping", "crop"))
    keras_name: ClassVar[str] = "cropping{rank}d"


CropSplit = Literal["floor", "ceil", "round_half_even"]
CROP_SPLITS: tuple[str, ...] = CropSplit.__args__  # type: ignore[attr-defined]
# Other names of the split rules: torchvision's CenterCrop rounds half to even.
SPLIT_ALIASES = {
    "torchvision": "round_half_even",
    "round": "round_half_even",
    "even": "round_half_even",
}


class CropTo(LayerBase):
    """Crop (or pad) the input to the spatial size of another layer, ``like``, at run
    time: a U-Net's skip cropped to the upsampled tensor (``x[..., d//2 : d//2 + h]``,
    torchvision ``CenterCrop``, ``F.pad`` with negative amounts).

    On each axis ``d = n - m`` (``n`` the input's size, ``m`` the reference's) is
    taken off, ``before`` at the start and ``d - before`` at the end, with ``split``:

    - ``floor``: ``before = d // 2`` (the odd pixel at the end), as slicing
      ``x[..., d//2 : d//2 + m]`` and ``F.pad(x, [-(d//2), -(d - d//2)])`` do;
    - ``ceil``: ``before = d - d // 2`` (the odd pixel at the start);
    - ``round_half_even``: torchvision ``CenterCrop``, ``before = int(round(d / 2))``
      (Python rounds half to even: 1 -> 0, 3 -> 2, 5 -> 2), and when the input is
      smaller, padding ``(-d) // 2`` before and the rest after.

    ``mode: crop`` refuses an input smaller than the reference; ``crop_or_pad`` pads
    it with zeros instead (a negative ``d``), as ``CenterCrop`` does.
    """

    type: Literal["crop_to"] = "crop_to"
    ref_fields: ClassVar[tuple[str, ...]] = ("like",)
    like: str = _alias("like", "reference", "ref", "target", "match")
    split: CropSplit = "floor"
    mode: Literal["crop", "crop_or_pad"] = "crop"
    keras_name: ClassVar[str] = "crop_to"

    @field_validator("split", mode="before")
    @classmethod
    def _split_alias(cls, v: Any) -> Any:
        return SPLIT_ALIASES.get(v.lower(), v.lower()) if isinstance(v, str) else v


class Concatenate(LayerBase):
    """Concatenation of two or more inputs along an axis (channels by default)."""

    type: Literal["concatenate"] = "concatenate"
    # Axis in the framework's full-tensor convention (batch axis 0, negatives count
    # from the end). None: Keras' default, the last axis (whatever the data format);
    # elsewhere the channel axis of the network's data format.
    axis: int | None = Field(None, validation_alias=AliasChoices("axis", "dim"))
    is_merge: ClassVar[bool] = True
    keras_name: ClassVar[str] = "concatenate"


class Add(LayerBase):
    """Element-wise merge of two or more inputs of one shape (``Add``, ``Multiply``...)."""

    type: Literal["add"] = "add"
    op: Literal["add", "subtract", "multiply", "average", "maximum", "minimum"] = "add"
    is_merge: ClassVar[bool] = True

    def default_name(self, rank: int) -> str:
        return self.op


class Flatten(LayerBase):
    type: Literal["flatten"] = "flatten"
    keras_name: ClassVar[str] = "flatten"


class Dense(LayerBase):
    """Fully connected layer on the last axis (``Dense``, ``nn.Linear``)."""

    type: Literal["dense"] = "dense"
    in_channels: Annotated[int, Field(ge=1)] | None = Field(
        None, validation_alias=AliasChoices("in_channels", "in_features")
    )
    units: Annotated[int, Field(ge=1)] = _alias("units", "out_features", "features")
    use_bias: bool = Field(True, validation_alias=AliasChoices("use_bias", "bias"))
    activation: str | None = None
    keras_name: ClassVar[str] = "dense"


class Reshape(LayerBase):
    """Reshape to ``target_shape`` (batch axis left out; one entry may be -1)."""

    type: Literal["reshape"] = "reshape"
    target_shape: list[int] = _alias("target_shape", "shape")
    keras_name: ClassVar[str] = "reshape"


class Activation(LayerBase):
    """Any element-wise activation (ReLU, LeakyReLU, Tanh, Softmax...)."""

    type: Literal["activation"] = "activation"
    activation: str = "linear"
    negative_slope: float | None = Field(
        None, validation_alias=AliasChoices("negative_slope", "alpha")
    )
    keras_name: ClassVar[str] = "activation"


class BatchNorm(LayerBase):
    """Batch normalisation over the channel axis."""

    type: Literal["batch_norm"] = "batch_norm"
    in_channels: Annotated[int, Field(ge=1)] | None = Field(
        None, validation_alias=AliasChoices("in_channels", "num_features")
    )
    epsilon: float = Field(1e-3, validation_alias=AliasChoices("epsilon", "eps"))
    momentum: float | None = None
    center: bool = True
    scale: bool = True
    affine: bool = True
    keras_name: ClassVar[str] = "batch_normalization"


class Normalization(LayerBase):
    """Shape-preserving normalisation: ``LayerNorm`` / ``LayerNormalization``
    (``norm: layer``), ``GroupNorm`` / ``GroupNormalization`` (``group``),
    ``InstanceNorm2d`` (``instance``)."""

    type: Literal["norm"] = "norm"
    norm: Literal["layer", "group", "instance"] = "layer"
    groups: Annotated[int, Field(ge=1)] | None = Field(
        None, validation_alias=AliasChoices("groups", "num_groups")
    )
    in_channels: Annotated[int, Field(ge=1)] | None = Field(
        None, validation_alias=AliasChoices("in_channels", "num_channels", "num_features")
    )
    # PyTorch LayerNorm: the trailing dims it normalises (and learns per element).
    normalized_shape: int | list[int] | None = None
    affine: bool = Field(True, validation_alias=AliasChoices("affine", "elementwise_affine"))
    epsilon: float = Field(1e-5, validation_alias=AliasChoices("epsilon", "eps"))
    keras_name: ClassVar[str] = "normalization"

    def default_name(self, rank: int) -> str:
        return f"{self.norm}_normalization"


class PixelShuffle(LayerBase):
    """``nn.PixelShuffle(r)``: channels / r**2, every spatial axis * r; with
    ``inverse`` (``nn.PixelUnshuffle``) the other way round."""

    type: Literal["pixel_shuffle"] = "pixel_shuffle"
    factor: Annotated[int, Field(ge=1)] = Field(
        validation_alias=AliasChoices("factor", "upscale_factor", "downscale_factor")
    )
    inverse: bool = False
    keras_name: ClassVar[str] = "pixel_shuffle"


class Permute(LayerBase):
    """Keras ``Permute(dims)``: reorder the axes after the batch axis (1-based)."""

    type: Literal["permute"] = "permute"
    dims: list[int] = _alias("dims", "permutation")
    keras_name: ClassVar[str] = "permute"


class Dropout(LayerBase):
    type: Literal["dropout"] = "dropout"
    rate: float = Field(0.5, ge=0.0, le=1.0, validation_alias=AliasChoices("rate", "p"))
    keras_name: ClassVar[str] = "dropout"


Layer = Annotated[
    Input
    | Conv
    | DepthwiseConv
    | SeparableConv
    | ConvTranspose
    | MaxPool
    | AvgPool
    | GlobalPool
    | UpSample
    | ZeroPadding
    | Cropping
    | CropTo
    | Concatenate
    | Add
    | Flatten
    | Dense
    | Reshape
    | Activation
    | BatchNorm
    | Normalization
    | PixelShuffle
    | Permute
    | Dropout,
    Field(discriminator="type"),
]

LAYER_CLASSES: dict[str, type[LayerBase]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        Input, Conv, DepthwiseConv, SeparableConv, ConvTranspose, MaxPool, AvgPool,
        GlobalPool, UpSample, ZeroPadding, Cropping, CropTo, Concatenate, Add, Flatten, Dense,
        Reshape, Activation, BatchNorm, Normalization, PixelShuffle, Permute, Dropout,
    )
}  # fmt: skip


def _rank_aliases(base: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Expand ``{"Conv{r}D": ("conv", {})}`` to 1D/2D/3D entries with a rank hint."""
    out: dict[str, Any] = {}
    for pattern, (canonical, preset) in base.items():
        if "{r}" in pattern:
            for r in (1, 2, 3):
                out[pattern.format(r=r).lower()] = (canonical, r, preset)
        else:
            out[pattern.lower()] = (canonical, None, preset)
    return out


# Framework class names -> (canonical type, rank or None, fields implied by the name).
TYPE_ALIASES: dict[str, tuple[str, int | None, dict[str, Any]]] = _rank_aliases(
    {
        # Keras
        "Conv{r}D": ("conv", {}),
        "Conv{r}DTranspose": ("conv_transpose", {}),
        "DepthwiseConv{r}D": ("depthwise_conv", {}),
        "SeparableConv{r}D": ("separable_conv", {}),
        "MaxPooling{r}D": ("max_pool", {}),
        "MaxPool{r}D": ("max_pool", {}),
        "AveragePooling{r}D": ("avg_pool", {}),
        "AvgPool{r}D": ("avg_pool", {}),
        "GlobalAveragePooling{r}D": ("global_pool", {"op": "avg"}),
        "GlobalMaxPooling{r}D": ("global_pool", {"op": "max"}),
        "UpSampling{r}D": ("upsample", {}),
        "Resizing": ("upsample", {"resizing": True}),
        "ZeroPadding{r}D": ("zero_padding", {}),
        "Cropping{r}D": ("cropping", {}),
        "InputLayer": ("input", {}),
        "BatchNormalization": ("batch_norm", {}),
        "LayerNormalization": ("norm", {"norm": "layer"}),
        "GroupNormalization": ("norm", {"norm": "group"}),
        "SpatialDropout{r}D": ("dropout", {}),
        "Permute": ("permute", {}),
        "Subtract": ("add", {"op": "subtract"}),
        "Multiply": ("add", {"op": "multiply"}),
        "Average": ("add", {"op": "average"}),
        "Maximum": ("add", {"op": "maximum"}),
        "Minimum": ("add", {"op": "minimum"}),
        # PyTorch (Conv{r}d etc. collide with Keras names once lower-cased: same meaning)
        "ConvTranspose{r}d": ("conv_transpose", {}),
        "MaxPool{r}d": ("max_pool", {}),
        "AvgPool{r}d": ("avg_pool", {}),
        "AdaptiveAvgPool{r}d": ("global_pool", {"op": "avg", "keepdims": True}),
        "AdaptiveMaxPool{r}d": ("global_pool", {"op": "max", "keepdims": True}),
        "ZeroPad{r}d": ("zero_padding", {}),
        "ConstantPad{r}d": ("zero_padding", {}),
        "ReflectionPad{r}d": ("zero_padding", {"padding_mode": "reflect"}),
        "ReplicationPad{r}d": ("zero_padding", {"padding_mode": "replicate"}),
        "CircularPad{r}d": ("zero_padding", {"padding_mode": "circular"}),
        "BatchNorm{r}d": ("batch_norm", {}),
        "LayerNorm": ("norm", {"norm": "layer"}),
        "GroupNorm": ("norm", {"norm": "group"}),
        "InstanceNorm{r}d": ("norm", {"norm": "instance", "affine": False}),
        "Dropout{r}d": ("dropout", {}),
        "PixelShuffle": ("pixel_shuffle", {}),
        "PixelUnshuffle": ("pixel_shuffle", {"inverse": True}),
        "Upsample": ("upsample", {}),
        "UpsamplingNearest2d": ("upsample", {"mode": "nearest"}),
        "UpsamplingBilinear2d": ("upsample", {"mode": "bilinear"}),
        "Linear": ("dense", {}),
        "Cat": ("concatenate", {}),
        # torch.nn.functional (F.max_pool2d, F.pad, F.interpolate, ...)
        "max_pool{r}d": ("max_pool", {}),
        "avg_pool{r}d": ("avg_pool", {}),
        "conv_transpose{r}d": ("conv_transpose", {}),
        "adaptive_avg_pool{r}d": ("global_pool", {"op": "avg", "keepdims": True}),
        "adaptive_max_pool{r}d": ("global_pool", {"op": "max", "keepdims": True}),
        "interpolate": ("upsample", {}),
        "pad": ("zero_padding", {}),
        # ONNX
        "ConvTranspose": ("conv_transpose", {}),
        "MaxPool": ("max_pool", {}),
        "AveragePool": ("avg_pool", {}),
        "GlobalAveragePool": ("global_pool", {"op": "avg", "keepdims": True}),
        "GlobalMaxPool": ("global_pool", {"op": "max", "keepdims": True}),
        "Pad": ("zero_padding", {}),
        "Concat": ("concatenate", {}),
        "Gemm": ("dense", {}),
        # Flax
        "max_pool": ("max_pool", {}),
        "avg_pool": ("avg_pool", {}),
        "min_pool": ("max_pool", {"reduce": "min"}),
        "sum_pool": ("avg_pool", {"reduce": "sum"}),
        "BatchNorm": ("batch_norm", {}),
        "Dropout": ("dropout", {}),
        # Generic spellings
        "Conv": ("conv", {}),
        "Pool": ("max_pool", {}),
        "Upsampling": ("upsample", {}),
        "Crop": ("cropping", {}),
        # Run-time crops to another layer's size (torchvision's CenterCrop pads a
        # smaller input and rounds the start half to even).
        "CropToMatch": ("crop_to", {}),
        "CropLike": ("crop_to", {}),
        "CenterCrop": ("crop_to", {"split": "round_half_even", "mode": "crop_or_pad"}),
        "center_crop": ("crop_to", {"split": "round_half_even", "mode": "crop_or_pad"}),
    }
)
for _act in (
    "ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "GELU", "SiLU", "Swish", "Mish",
    "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Softplus", "Hardswish", "Hardsigmoid", "Relu",
):  # fmt: skip
    TYPE_ALIASES[_act.lower()] = ("activation", None, {"activation": _act.lower()})
for _canonical in LAYER_CLASSES:
    TYPE_ALIASES.setdefault(_canonical, (_canonical, None, {}))
    TYPE_ALIASES.setdefault(_canonical.replace("_", ""), (_canonical, None, {}))
TYPE_ALIASES["identity"] = ("activation", None, {"activation": "linear"})


def resolve_type(data: Any) -> tuple[Any, int | None]:
    """Map a framework class name in ``data['type']`` to the canonical type.

    Returns the (possibly rewritten) layer data and the rank the name implies.
    """
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return data, None
    name = data["type"].lower()
    entry = TYPE_ALIASES.get(name)
    if entry is None and "." in name:
        # Pasted with its module: nn.Conv2d, F.pad, keras.layers.Conv2D, flax.linen.max_pool.
        entry = TYPE_ALIASES.get(name.rsplit(".", 1)[1])
    if entry is None:
        return data, None
    canonical, rank, preset = entry
    out = {**preset, **data, "type": canonical}
    return out, rank
