"""The dialect protocol: each framework's rules for one spatial axis of one layer.

A dialect answers, for one axis, "what size comes out, with what padding on each
side, and how did it arise", and refuses what its framework refuses. Requirements
are stated once with ``AxisContext.require``: with concrete sizes a violated one
raises at once; with symbols it is recorded as a condition on them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from planner.dialects.arithmetic import (
    center_split,
    same_total_pad,
    split_pad,
    transpose_full,
    window_out,
)
from planner.errors import ShapeError
from planner.symbolic.ops import Dim, ceil_div, is_int, mul_floor, printing, render, truth

# Spatial axis names by rank (``X0``, ``X1``... beyond 3), as the shapes step names them.
AXIS_NAMES: dict[int, tuple[str, ...]] = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


@dataclass(frozen=True, slots=True)
class AxisResult:
    """One axis of one layer: the size, the resolved padding and the derivation.

    ``pad`` is ``(before, after)`` added to the input (for transposed convolutions:
    the padding of the forward convolution they transpose, so the output is the
    full ``(n - 1) * s + ek`` less ``before`` and ``after``; negative extends).
    """

    size: Dim
    pad: tuple[Dim, Dim] | None
    formula: str


@dataclass(slots=True)
class Condition:
    """A requirement that depends on symbols: holds when ``expr`` is true."""

    expr: Any
    message: str
    layer: str | None = None
    field: str | None = None
    axis: str | None = None


@dataclass(slots=True)
class AxisContext:
    """Where a rule runs: the layer, the axis, and the symbolic conditions found."""

    layer: str
    axis: str
    conditions: list[Condition] = field(default_factory=list)
    rank: int | None = None  # the layer's spatial rank
    padding_mode: str = "zeros"  # Conv padding_mode (PyTorch)
    # The whole layer (its per-axis fields resolved), for rules that depend on other
    # axes too (ONNX Runtime picks a MaxPool kernel by the dilations of every axis).
    spec: Any = None

    @property
    def index(self) -> int:
        """The position of this axis among the layer's spatial axes."""
        names = AXIS_NAMES.get(self.rank or 0, ())
        return names.index(self.axis) if self.axis in names else int(self.axis.lstrip("X"))

    def at(self, field: str, default: Any = None) -> Any:
        """This axis' entry of a per-axis field of the layer (``default`` if absent)."""
        value = getattr(self.spec, field, None)
        if value is None:
            return default
        return value[self.index] if isinstance(value, tuple) else value

    def require(
        self, cond: Any, message: str | Callable[[], str], field: str | None = None
    ) -> None:
        """Refuse when ``cond`` is false, record it when it depends on symbols.

        ``message`` may be a function that builds it: it is formatted only when
        ``cond`` does not plainly hold (most requirements hold, and inference checks
        every one); it is called at once, so it may read loop variables.
        """
        if cond is True:
            return
        decided = truth(cond)
        if decided is True:
            return
        text = message if isinstance(message, str) else message()
        if decided is False:
            raise ShapeError(f"{text} (axis {self.axis})", layer=self.layer, field=field)
        self.conditions.append(Condition(cond, text, self.layer, field, self.axis))

    def refuse(self, message: str, field: str | None = None) -> ShapeError:
        return ShapeError(message, layer=self.layer, field=field)


def optional(layer: Any, name: str, default: Any = None) -> Any:
    """``getattr(layer, name, default)`` for a field only some layer types have (a
    layer or a view of one): asked of the layer's fields, since a missing attribute
    costs an exception, twenty times the lookup.

    >>> from planner.spec.layers import UpSample
    >>> optional(UpSample(scale=2), "strides", ()), optional(UpSample(scale=2), "scale")
    ((), 2)
    """
    return getattr(layer, name) if name in layer.__pydantic_fields__ else default


def _t(x: Any) -> str:
    if type(x) is int:
        return str(x) if x >= 0 else f"({x})"
    text = render(x)
    return f"({text})" if any(op in text for op in "+-*/ ") and not text.isdigit() else text


def window_formula(
    n: Dim, ek: Dim, s: Dim, before: Dim, after: Dim, out: Dim, ceil: bool = False
) -> str:
    """``floor((28 + 1 - 3)/2) + 1 = 14`` with zero terms dropped."""
    if not printing():
        return ""
    terms = render(n)
    pads = before + after
    if not (is_int(pads) and pads == 0):
        terms += f" + {render(pads)}" if not (is_int(pads) and pads < 0) else f" - {-pads}"
    terms += f" - {_t(ek)}"
    if is_int(s) and s == 1:
        text = f"{terms} + 1"
    else:
        text = f"{'ceil' if ceil else 'floor'}(({terms})/{_t(s)}) + 1"
    return _equals(text, out)


def _equals(text: str, out: Any) -> str:
    """``text = out``, unless ``out`` renders as ``text`` already (symbolic sizes)."""
    value = render(out)
    return text if value.replace(" ", "") == text.replace(" ", "") else f"{text} = {value}"


def positive(ctx: AxisContext, size: Dim, what: str, field: str | None = None) -> None:
    if type(size) is int and size >= 1:
        return  # the common case, decided without a requirement
    ctx.require(
        size >= 1, lambda: f"{what}: the output size would be {render(size)}, not >= 1", field
    )


class Dialect:
    """Shared behaviour; each framework overrides the rules that differ.

    Subclasses set ``name`` and ``title`` and override the ``*_axis`` methods.
    """

    name = "generic"
    title = "Generic"
    # Keras and PyTorch pool with stride = pool size by default; Flax with stride 1.
    pool_stride_is_window = True
    # Parameters a BatchNorm layer counts per channel (Keras counts moving stats too).
    batch_norm_per_channel = 2
    # Whether explicit zero padding may be negative (then it crops).
    pad_may_crop = False
    # Concatenate without an axis: Keras joins the last axis in either data format;
    # planner uses the channel axis elsewhere (torch.cat and ONNX Concat need one).
    concat_default_last = False

    # --- whole-layer checks -------------------------------------------------
    def check_layer(self, layer: Any, ctx: AxisContext) -> None:
        """Refusals that concern the whole layer, not one axis."""

    def notes(self, layer: Any) -> list[str]:
        """What a user should know about this layer beyond its shape: where one of
        the framework's backends behaves otherwise."""
        return []

    def pool_stride(self, pool_size: Any) -> Any:
        return pool_size if self.pool_stride_is_window else 1

    def mode_error(
        self, ctx: AxisContext, what: str, mode: Any, valid: tuple[str, ...]
    ) -> ShapeError:
        return ctx.refuse(
            f"{self.title} {what} does not accept padding {mode!r}; valid: "
            + ", ".join(valid)
            + (", or explicit amounts" if "explicit" not in valid else ""),
            field="padding",
        )

    # --- convolution --------------------------------------------------------
    def conv_axis(
        self, ctx: AxisContext, n: Dim, k: Dim, s: Dim, d: Dim, padding: Any
    ) -> AxisResult:
        raise NotImplementedError

    def conv_transpose_axis(
        self,
        ctx: AxisContext,
        n: Dim,
        k: Dim,
        s: Dim,
        d: Dim,
        padding: Any,
        output_padding: Dim | None,
        output_size: Dim | None,
    ) -> AxisResult:
        raise NotImplementedError

    # --- pooling ------------------------------------------------------------
    def pool_axis(
        self,
        ctx: AxisContext,
        n: Dim,
        k: Dim,
        s: Dim,
        d: Dim,
        padding: Any,
        ceil_mode: Any,
        op: str,
    ) -> AxisResult:
        raise NotImplementedError

    # --- resampling and explicit padding -----------------------------------
    def upsample_axis(self, ctx: AxisContext, n: Dim, scale: Any, size: Any) -> AxisResult:
        if size is not None:
            ctx.require(
                size >= 1,
                lambda: f"the upsampling size must be >= 1, received {size}",
                "output_size",
            )
            return AxisResult(size, None, f"size {render(size)}")
        if isinstance(scale, float) and not scale.is_integer():
            raise ctx.refuse(
                f"{self.title} upsampling needs an integer factor, received {scale}", field="scale"
            )
        ctx.require(
            scale >= 1, lambda: f"the upsampling factor must be >= 1, received {scale}", "scale"
        )
        out = mul_floor(n, scale)
        return AxisResult(out, None, f"{_t(n)} * {render(scale)} = {render(out)}")

    # Padding with the input's own values: the largest amount per side, as a function
    # of the input size ``n`` (``None``: any amount). A mode missing here is refused.
    fill_limits: ClassVar[dict[str, Any]] = {}

    def fill_pad_axis(self, ctx: AxisContext, n: Dim, before: Dim, after: Dim) -> None:
        """Limits of reflect / replicate / circular padding (``ctx.padding_mode``)."""
        mode = ctx.padding_mode
        if mode not in self.fill_limits:
            raise ctx.refuse(
                f"{self.title} has no {mode} padding layer; valid: constant"
                + "".join(f", {m}" for m in self.fill_limits),
                field="padding_mode",
            )
        limit = self.fill_limits[mode]
        for amount in (before, after):
            ctx.require(
                amount >= 0,
                lambda amount=amount: (
                    f"{mode} padding takes amounts >= 0, received {render(amount)}; crop with a "
                    "cropping layer"
                ),
                "padding",
            )
            if limit is not None:
                bound = limit(n)
                ctx.require(
                    amount <= bound,
                    lambda bound=bound, amount=amount: (
                        f"{self.title} {mode} padding needs each side at most {render(bound)} "
                        f"for an input of {render(n)}; received {render(amount)}"
                    ),
                    "padding",
                )

    def zero_pad_axis(self, ctx: AxisContext, n: Dim, before: Dim, after: Dim) -> AxisResult:
        if ctx.padding_mode not in ("constant", "zeros"):
            self.fill_pad_axis(ctx, n, before, after)
        if not self.pad_may_crop:
            for amount in (before, after):
                ctx.require(
                    amount >= 0,
                    lambda amount=amount: (
                        f"{self.title} zero padding must be >= 0, received {render(amount)}"
                    ),
                    "padding",
                )
        out = n + before + after
        positive(ctx, out, f"{self.title} padding")
        return AxisResult(
            out,
            (before, after),
            f"{render(n)} + {render(before)} + {render(after)} = {render(out)}",
        )

    def crop_axis(self, ctx: AxisContext, n: Dim, before: Dim, after: Dim) -> AxisResult:
        ctx.require(before >= 0, lambda: f"cropping must be >= 0, received {before}", "cropping")
        ctx.require(after >= 0, lambda: f"cropping must be >= 0, received {after}", "cropping")
        out = n - before - after
        ctx.require(
            out >= 1,
            lambda: (
                f"cropping {render(before)}+{render(after)} from {render(n)} leaves "
                f"{render(out)}; it must leave at least 1"
            ),
            "cropping",
        )
        return AxisResult(
            out,
            (-before, -after),
            f"{render(n)} - {render(before)} - {render(after)} = {render(out)}",
        )

    def crop_to_axis(
        self, ctx: AxisContext, n: Dim, m: Dim, like: str, split: str, mode: str
    ) -> AxisResult:
        """A run-time crop of ``n`` to the reference's ``m`` (``crop_to``): every
        framework slices (or pads) alike, so the rule is shared. ``pad`` holds the
        amounts added per side, negative where cropped."""
        d = n - m
        if mode == "crop":
            ctx.require(
                d >= 0,
                lambda: (
                    f"the input ({render(n)}) is smaller than '{like}' ({render(m)}); a crop "
                    "cannot grow it (mode: crop_or_pad pads it with zeros)"
                ),
                "like",
            )
        before, after = center_split(d, split, may_pad=mode != "crop")
        if printing():
            same = is_int(d) and d == 0
            how = render(n) if same else f"{render(n)} - {_t(before)} - {_t(after)}"
            formula = f"{how} = {render(m)} (like {like})"
        else:
            formula = ""
        return AxisResult(m, (-before, -after), formula)

    def batch_norm_params(self, layer: Any, channels: int) -> int:
        return self.batch_norm_per_channel * channels

    def activation_params(self, layer: Any, dims: tuple[Any, ...]) -> int:
        """Learned parameters of an activation: PReLU's slope (one by default)."""
        return 1 if layer.activation == "prelu" else 0

    # --- helpers shared by several dialects --------------------------------
    def explicit(
        self, ctx: AxisContext, n: Dim, ek: Dim, s: Dim, before: Dim, after: Dim, what: str
    ) -> AxisResult:
        out = window_out(n, ek, s, before, after)
        positive(ctx, out, what)
        return AxisResult(out, (before, after), window_formula(n, ek, s, before, after, out))

    def same(
        self, ctx: AxisContext, n: Dim, ek: Dim, s: Dim, extra_after: bool = True
    ) -> AxisResult:
        """TensorFlow-style ``'same'``: output ``ceil(n / s)``, padding split evenly,
        the odd pixel after (``SAME``, ``SAME_UPPER``) or before (``SAME_LOWER``)."""
        out = ceil_div(n, s)
        before, after = split_pad(same_total_pad(n, ek, s), extra_after)
        if is_int(s) and s == 1:
            formula = f"{render(n)} (same)"
        else:
            formula = _equals(f"ceil({render(n)}/{_t(s)})", out)
        return AxisResult(out, (before, after), formula)

    def transpose_cropped(
        self,
        ctx: AxisContext,
        n: Dim,
        ek: Dim,
        s: Dim,
        before: Dim,
        after: Dim,
        output_padding: Dim,
        what: str,
    ) -> AxisResult:
        """PyTorch/ONNX transposed convolution: crop the full output, add output padding."""
        full = transpose_full(n, ek, s)
        out = full - before - after + output_padding
        positive(ctx, out, what)
        text = f"({_t(n)} - 1)*{_t(s)} + {_t(ek)}"
        if not (is_int(before + after) and before + after == 0):
            text += f" - {_t(before + after)}"
        if not (is_int(output_padding) and output_padding == 0):
            text += f" + {_t(output_padding)}"
        return AxisResult(out, (before, after - output_padding), f"{text} = {render(out)}")
