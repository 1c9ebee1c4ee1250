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

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from planner.spec.values import (
    IntOrUnknown,
    PerAxis,
    Unknown,
    check_positive,
    leaves,
    per_axis,
)

PaddingMode = Literal[
    "valid", "same", "causal", "same_lower", "same_upper", "circular", "full", "notset"
]
PADDING_MODES: tuple[str, ...] = PaddingMode.__args__  # type: ignore[attr-defined]

PadEntry = IntOrUnknown | list[IntOrUnknown]
# As written: a mode, one amount for all axes, or per axis (int or [before, after]),
# or a flat framework-specific list (PyTorch F.pad order, ONNX begins+ends).
PaddingInput = str | Unknown | IntOrUnknown | list[PadEntry]
# After normalisation: a mode, an unknown mode, or (before, after) per axis.
Pads = tuple[tuple[int | Unknown, int | Unknown], ...]


def _alias(*names: str) -> Any:
    return Field(validation_alias=AliasChoices(*names))


class LayerBase(BaseModel):
    """Fields every layer has: its type, its unique name, and its inputs."""

    # defer_build: a layer's own validator is built only if something validates a layer
    # alone; a network's validator (built once in network.py) covers every layer type.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, defer_build=True)

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

    @field_validator("inputs", mode="before")
    @classmethod
    def _one_input_as_list(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    def default_name(self, rank: int) -> str:
        return self.keras_name.format(rank=rank)

    @cached_property
    def has_unknowns(self) -> bool:
        """Whether any field holds an ``Unknown`` (inference then resolves values)."""
        return any(
            isinstance(v, Unknown)
            for f in type(self).model_fields
            for v in leaves(getattr(self, f))
        )

    @cached_property
    def axis_signatures(self) -> tuple[tuple[Any, ...], ...]:
        """Per spatial axis, every value the axis rule reads (axes with equal
        signatures and equal sizes give equal results)."""
        fields = (*self.per_axis_fields, *self.pad_fields)
        values = [getattr(self, f) for f in fields]
        rank = max((len(v) for v in values if isinstance(v, tuple)), default=0)
        return tuple(
            tuple(v[i] if isinstance(v, tuple) else v for v in values) for i in range(rank)
        )

    @cached_property
    def memo(self) -> dict[Any, Any]:
        """Inference's per-layer memo: input channels -> (output channels, parameters),
        and the verdict of the dialect's whole-layer checks."""
        return {}

    def normalized(self, rank: int, framework: str) -> LayerBase:
        """This layer with every per-axis field expanded to ``rank`` entries."""
        update: dict[str, Any] = {}
        for f in self.per_axis_fields:
            value = getattr(self, f)
            if value is None:
                continue
            try:
                expanded = per_axis(value, rank, f)
            except ValueError as exc:
                raise _field_error(self, f, str(exc)) from None
            update[f] = expanded
        for f in self.positive_fields:
            value = update.get(f, getattr(self, f))
            if value is None:
                continue
            try:
                check_positive(value if isinstance(value, tuple) else (value,), f)
            except ValueError as exc:
                raise _field_error(self, f, str(exc)) from None
        for f in self.pad_fields:
            update[f] = normalize_padding(self, getattr(self, f), rank, framework, f)
        return self.model_copy(update=update)


def _field_error(layer: LayerBase, field: str, message: str) -> Exception:
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
        return value
    if isinstance(value, int | Unknown):
        return ((value, value),) * rank
    if isinstance(value, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in value):
        return value
    values = list(value)
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


class Input(LayerBase):
    """The network input. Optional: ``Network.input_shape`` creates one."""

    type: Literal["input"] = "input"
    shape: list[Any] | None = _alias("shape", "input_shape", "batch_shape")
    keras_name: ClassVar[str] = "input_layer"


class _Windowed(LayerBase):
    """Shared by convolutions and pooling: a window sliding with stride and padding."""

    per_axis_fields: ClassVar[tuple[str, ...]] = ("kernel_size", "strides", "dilation")
    positive_fields: ClassVar[tuple[str, ...]] = ("kernel_size", "strides", "dilation")
    pad_fields: ClassVar[tuple[str, ...]] = ("padding",)

    strides: PerAxis = Field(1, validation_alias=AliasChoices("strides", "stride", "subsample"))
    padding: PaddingInput = Field(
        "valid", validation_alias=AliasChoices("padding", "pads", "auto_pad", "pad")
    )
    dilation: PerAxis = Field(
        1,
        validation_alias=AliasChoices(
            "dilation", "dilation_rate", "dilations", "kernel_dilation", "rhs_dilation"
        ),
    )


class Conv(_Windowed):
    """Convolution (``Conv2D``, ``nn.Conv2d``, ``flax.linen.Conv``, ONNX ``Conv``)."""

    type: Literal["conv"] = "conv"
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
    groups: Annotated[int, Field(ge=1)] = Field(1, validation_alias=AliasChoices("groups", "group"))
    use_bias: bool = Field(True, validation_alias=AliasChoices("use_bias", "bias"))
    activation: str | None = None
    keras_name: ClassVar[str] = "conv{rank}d_transpose"


class _Pool(_Windowed):
    per_axis_fields: ClassVar[tuple[str, ...]] = ("pool_size", "strides", "dilation")
    positive_fields: ClassVar[tuple[str, ...]] = ("pool_size", "strides", "dilation")

    pool_size: PerAxis = _alias(
        "pool_size", "kernel_size", "window_shape", "kernel_shape", "kernel"
    )
    # None: the framework's default (Keras/PyTorch: the pool size; Flax and ONNX: 1).
    strides: PerAxis | None = Field(None, validation_alias=AliasChoices("strides", "stride"))
    ceil_mode: bool | Unknown = False
    count_include_pad: bool = True


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

    def default_name(self, rank: int) -> str:
        return f"global_{'average' if self.op == 'avg' else 'max'}_pooling{rank}d"


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
    keras_name: ClassVar[str] = "up_sampling{rank}d"

    def normalized(self, rank: int, framework: str) -> LayerBase:
        layer: UpSample = self
        if self.size is not None:
            if framework == "torch":
                layer = self.model_copy(update={"output_size": self.size, "size": None})
            else:
                layer = self.model_copy(update={"scale": self.size, "size": None})
        if layer.scale is None and layer.output_size is None:
            layer = layer.model_copy(update={"scale": 2})
        if layer.scale is not None and layer.output_size is not None:
            raise _field_error(
                self, "scale", "give either a scale factor or an output size, not both"
            )
        return LayerBase.normalized(layer, rank, framework)


class ZeroPadding(LayerBase):
    """Explicit zero padding per side (``ZeroPadding2D``, ``nn.ZeroPad2d``, ``F.pad``)."""

    type: Literal["zero_padding"] = "zero_padding"
    pad_fields: ClassVar[tuple[str, ...]] = ("padding",)
    padding: PaddingInput = Field(1, validation_alias=AliasChoices("padding", "pads", "pad"))
    keras_name: ClassVar[str] = "zero_padding{rank}d"


class Cropping(LayerBase):
    """Cropping per side (``Cropping2D``; a U-Net's crop before concatenation)."""

    type: Literal["cropping"] = "cropping"
    pad_fields: ClassVar[tuple[str, ...]] = ("cropping",)
    cropping: PaddingInput = Field(0, validation_alias=AliasChoices("cropping", "crop"))
    keras_name: ClassVar[str] = "cropping{rank}d"


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
    epsilon: float = Field(1e-3, validation_alias=AliasChoices("epsilon", "eps"))
    momentum: float | None = None
    center: bool = True
    scale: bool = True
    affine: bool = True
    keras_name: ClassVar[str] = "batch_normalization"


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
    | Concatenate
    | Add
    | Flatten
    | Dense
    | Reshape
    | Activation
    | BatchNorm
    | Dropout,
    Field(discriminator="type"),
]

LAYER_CLASSES: dict[str, type[LayerBase]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        Input, Conv, DepthwiseConv, SeparableConv, ConvTranspose, MaxPool, AvgPool,
        GlobalPool, UpSample, ZeroPadding, Cropping, Concatenate, Add, Flatten, Dense,
        Reshape, Activation, BatchNorm, Dropout,
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
        "ZeroPadding{r}D": ("zero_padding", {}),
        "Cropping{r}D": ("cropping", {}),
        "InputLayer": ("input", {}),
        "BatchNormalization": ("batch_norm", {}),
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
        "BatchNorm{r}d": ("batch_norm", {}),
        "Upsample": ("upsample", {}),
        "UpsamplingNearest2d": ("upsample", {"mode": "nearest"}),
        "UpsamplingBilinear2d": ("upsample", {"mode": "bilinear"}),
        "Linear": ("dense", {}),
        "Cat": ("concatenate", {}),
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
        "BatchNorm": ("batch_norm", {}),
        "Dropout": ("dropout", {}),
        # Generic spellings
        "Conv": ("conv", {}),
        "Pool": ("max_pool", {}),
        "Upsampling": ("upsample", {}),
        "Crop": ("cropping", {}),
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
    entry = TYPE_ALIASES.get(data["type"].lower())
    if entry is None:
        return data, None
    canonical, rank, preset = entry
    out = {**preset, **data, "type": canonical}
    return out, rank
