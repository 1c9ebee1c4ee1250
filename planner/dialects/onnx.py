"""ONNX arithmetic, as ONNX Runtime (CPUExecutionProvider, 1.31) computes it.

Verified against ONNX Runtime by ``tests/conformance/test_onnx.py``, which asserts
every point below (shapes, refusals, and where the padding goes, read off the
output values).

- ``auto_pad``: ``NOTSET`` (explicit ``pads``, asymmetric allowed; planner's
  ``padding`` pairs or the flat ``pads`` list), ``SAME_UPPER`` (planner ``'same'``),
  ``SAME_LOWER``, ``VALID``. Given together with ``pads``, ``NOTSET`` takes the
  pads; any other mode wins over them in pooling (the pads are ignored), and
  ``Conv``/``ConvTranspose`` refuse the pair. Explicit ``pads`` must be >= 0 on every op (ONNX shape
  inference: "Attribute pads must not contain negative values").
- ``SAME_*`` total padding is ``(ceil(n/s) - 1)*s + k - n``, *not* clamped at 0,
  and split in C integer division (toward zero): ``before = total/2``
  (``SAME_UPPER``) or ``(total + 1)/2`` (``SAME_LOWER``), the rest after. For
  ``total >= 0`` the odd pixel goes after resp. before; a negative total (kernel
  below the stride) gives ``-1 -> (0, -1)`` both ways, ``-2 -> (-1, -1)`` or
  ``(0, -2)``, ``-3 -> (-1, -2)``: the windows start later and the tail is cut.
- ``Conv``: ``floor((n + pads - ek)/s) + 1``, refused below 1 ("Invalid input
  shape"). ``SAME_*`` gives ``ceil(n/s)``; a negative total padding is first raised
  by 1 (ONNX Runtime's ``ComputePad`` checks the size with the padding counted on
  both sides and adds 1 when a window goes missing): ``-1 -> 0``,
  ``-2 -> -1 -> (0, -1)``, ``-3 -> -2 -> (-1, -1)`` or ``(0, -2)``. Refused with a
  dilation > 1 on any axis ("Dilation not supported for AutoPadType::SAME_UPPER or
  AutoPadType::SAME_LOWER").
- ``MaxPool``/``AveragePool`` (strides default to 1):

  - explicit pads must also be smaller than the *undilated* kernel, per side
    ("Pad should be smaller than kernel").
  - ``ceil_mode=0``: ``(n + pads - ek)/s + 1`` in C integer division, which
    truncates toward zero: when the window overhangs the padded input by less than
    the stride (``-s < n + pads - ek < 0``) there is still one output, not zero.
    Beyond that the output is empty (size 0) or refused; planner refuses both.
  - ``ceil_mode=1``: ``ceil((n + pads - ek)/s) + 1``, less one when the last window
    would start at or past ``n + pads_begin`` (in the end padding or beyond).
  - ``SAME_*`` sizes the padding (split as above) with the *undilated* kernel,
    then the dilated window runs over it, so a dilated ``SAME`` pool does not keep
    ``ceil(n/s)``. A negative amount is refused ("padding values must be
    non-negative") only by MaxPool with every dilation 1 (ONNX Runtime's plain
    pooling kernel); AveragePool, and MaxPool with a dilation > 1 on any axis,
    accept it.
  - ``count_include_pad`` does not change the shape. AveragePool averages over
    the taps inside ``[-before, n + after)`` (so a negative ``after`` leaves real
    input out); MaxPool reads every real tap.
- ``ConvTranspose`` (full size ``(n - 1)*s + ek``):

  - ``output_padding`` must be < ``max(stride, dilation)``, and ONNX Runtime then
    checks that a forward convolution over the result gives back ``n``; together
    ``output_padding < stride`` ("may be too large for stride").
  - ``NOTSET``: ``full + output_padding - pads``, refused below 1.
  - ``SAME_*``: total padding ``max(full + output_padding - n*s, 0)``, so the output
    is ``min(n*s, full + output_padding)`` - *not* always ``n*s`` (a kernel smaller
    than the stride gives less). The odd pixel is cropped at the end for
    ``SAME_UPPER`` and at the start for ``SAME_LOWER`` (as the ONNX specification
    says; older ONNX Runtime releases had it the other way round).
  - ``output_shape`` (planner ``output_size``): the output is that size; the total
    padding ``max(full + output_padding - output_shape, 0)`` goes with the odd
    pixel at the *start* for ``NOTSET``/``VALID``/``SAME_LOWER`` and at the end for
    ``SAME_UPPER`` (any explicit ``pads`` are ignored). A size above
    ``full + output_padding`` is zero-filled at the end, accepted up to
    ``full + s - 1`` (the forward check again; "Explicit output_shape is
    inconsistent"); ``0`` is refused.
- ``Pad`` accepts negative amounts (they crop); an output below 1 is empty or
  refused. Mode ``reflect`` takes at most ``n - 1`` per side, ``edge`` and ``wrap``
  any amount.
- ``Resize`` with ``scales``: ``floor(n * scale)`` computed in float32
  (``float(scale) * float(n)``), so e.g. ``100 * 0.29`` gives 29 where double
  precision gives 28; any scale > 0 (downsampling too), an output of 0 is empty.
  With ``sizes`` the output is that size (>= 1). With a symbolic input size
  planner uses the exact scale (float32 rounding needs a number).
"""

from __future__ import annotations

import math
import struct
from typing import Any, ClassVar

from planner.dialects.arithmetic import effective_kernel, split_pad, transpose_full
from planner.dialects.base import (
    AxisContext,
    AxisResult,
    Dialect,
    optional,
    positive,
    window_formula,
)
from planner.symbolic.ops import (
    Dim,
    ceil_div,
    floor_div,
    is_int,
    maximum,
    minimum,
    mul_floor,
    piecewise,
    render,
    truth,
)

_MODES = ("notset", "valid", "same", "same_upper", "same_lower")


def _f32(x: float) -> float:
    """Round to the nearest float32 (ONNX Runtime's ``float``)."""
    return struct.unpack("f", struct.pack("f", x))[0]


def _at_least(k: Dim, s: Dim) -> bool:
    """Whether a SAME padding ``(ceil(n/s) - 1)*s + k - n``, which lies in
    ``[k - s, k - 1]``, is known to be >= 0 for every ``n``."""
    return truth(k >= s) is True


def _same_pads(raw: Dim, upper: bool, bump: int, nonnegative: bool) -> tuple[Dim, Dim]:
    """ONNX Runtime's SAME split of the total padding ``raw`` (not clamped at 0).

    A negative ``raw`` is first raised by ``bump`` (Conv: 1, pooling: 0). Then
    ``head = total/2`` (``SAME_UPPER``) or ``(total + 1)/2`` (``SAME_LOWER``) in C
    division (toward zero), the rest after: for ``total >= 0`` the odd pixel goes
    after resp. before; ``-1`` gives ``(0, -1)`` either way, ``-2`` gives
    ``(-1, -1)`` or ``(0, -2)``. ``nonnegative``: ``raw`` cannot be negative, so
    symbolic sizes need no sign test. One flat case split on ``raw``'s sign (sympy
    cannot decide conditions on nested ``Piecewise``).
    """
    lower = 0 if upper else 1
    if is_int(raw):
        y = (raw if raw >= 0 else raw + bump) + lower
        head: Dim = y // 2 if y >= 0 else -(-y // 2)
        return head, y - lower - head
    if nonnegative:
        return split_pad(raw, extra_after=upper)
    # raw < 0: y = raw + bump + lower <= 1, and trunc(y/2) is ceil(y/2) but for
    # y = 1 (raw = -1 with Conv's bump, SAME_LOWER), which truncates to 0.
    negative = ceil_div(raw + bump + lower, 2)
    if bump + lower == 2:
        negative = piecewise(raw >= -1, 0, negative)
    head = piecewise(raw >= 0, floor_div(raw + lower, 2), negative)
    total = piecewise(raw >= 0, raw, raw + bump) if bump else raw
    return head, total - head


def _undilated(ctx: AxisContext) -> bool:
    """A MaxPool with every dilation 1 runs ONNX Runtime's plain pooling kernel, which
    refuses negative pads; a dilation > 1 on any axis selects another kernel that
    accepts them. The axis rule sees one axis, so it asks the whole layer."""
    dilation = getattr(ctx.spec, "dilation", None) or ()
    return all(truth(d <= 1) is True for d in dilation)


class OnnxDialect(Dialect):
    name = "onnx"
    title = "ONNX"
    pool_stride_is_window = False  # ONNX strides default to 1 along each axis
    batch_norm_per_channel = 4  # scale, B, mean, var initializers
    pad_may_crop = True  # Pad accepts negative amounts
    # Pad mode 'reflect': each side at most n - 1 ("pre-pad exceeds maximum allowed");
    # 'edge' and 'wrap' (planner: replicate, circular) take any amount.
    fill_limits: ClassVar[dict[str, Any]] = {
        "reflect": lambda n: n - 1,
        "replicate": None,
        "circular": None,
    }

    def check_layer(self, layer: Any, ctx: AxisContext) -> None:
        extra = optional(layer, "pads_beside_auto_pad")
        if extra is not None and layer.type in ("conv", "conv_transpose", "depthwise_conv"):
            # ConvAttributes refuses the pair; pooling ignores the pads (below).
            raise ctx.refuse(
                f"ONNX Runtime refuses a {'ConvTranspose' if layer.type == 'conv_transpose' else 'Conv'} "
                f"with auto_pad={str(layer.padding).upper()} and pads={extra} together; "
                "use auto_pad=NOTSET with the pads, or drop the pads",
                field="padding",
            )

    def _mode(self, ctx: AxisContext, padding: Any, what: str) -> Any:
        if isinstance(padding, str):
            if padding not in _MODES:
                raise self.mode_error(
                    ctx, what, padding.upper(), ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER")
                )
            if padding == "notset":
                return (0, 0)
            return "same_upper" if padding == "same" else padding
        return padding

    def _pads(self, ctx: AxisContext, mode: Any, what: str) -> tuple[Dim, Dim]:
        """Explicit ``pads`` (or ``VALID``): ONNX refuses negative amounts."""
        before, after = (0, 0) if mode == "valid" else mode
        for amount in (before, after):
            ctx.require(
                amount >= 0,
                lambda amount=amount: f"ONNX {what} pads must be >= 0, received {render(amount)}",
                "padding",
            )
        return before, after

    def conv_axis(
        self, ctx: AxisContext, n: Dim, k: Dim, s: Dim, d: Dim, padding: Any
    ) -> AxisResult:
        mode = self._mode(ctx, padding, "Conv")
        ek = effective_kernel(k, d)
        if mode in ("same_upper", "same_lower"):
            ctx.require(
                d == 1 if is_int(d) else d <= 1,
                "ONNX Runtime refuses auto_pad SAME_UPPER/SAME_LOWER with dilation > 1",
                "dilation",
            )
            # Output ceil(n/s). The padding (ceil(n/s) - 1)*s + ek - n is not clamped
            # at 0: with a kernel below the stride it is negative. ONNX Runtime then
            # checks the size with that padding counted on both sides, finds a
            # window short and adds 1; split toward zero, the rest moves the
            # windows later (n=4, k=1, s=4: -3 + 1 = -2 -> (-1, -1), reads x[1]).
            raw = (ceil_div(n, s) - 1) * s + ek - n
            result = self.same(ctx, n, ek, s)
            pad = _same_pads(raw, mode == "same_upper", bump=1, nonnegative=_at_least(ek, s))
            return AxisResult(result.size, pad, result.formula)
        before, after = self._pads(ctx, mode, "Conv")
        return self.explicit(ctx, n, ek, s, before, after, "ONNX Conv")

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
        what = "MaxPool" if op == "max" else "AveragePool"
        mode = self._mode(ctx, padding, what)
        ek = effective_kernel(k, d)
        same = mode in ("same_upper", "same_lower")
        if same:
            # ONNX Runtime sizes the SAME padding with the undilated kernel and does
            # not clamp it at 0; MaxPool's undilated kernel refuses a negative amount.
            total = (ceil_div(n, s) - 1) * s + k - n
            if op == "max" and _undilated(ctx):
                ctx.require(
                    total >= 0,
                    lambda: (
                        f"ONNX Runtime refuses MaxPool auto_pad {mode.upper()} here: its padding "
                        f"(ceil(n/s) - 1)*s + kernel - n = {render(total)} is negative (a kernel "
                        "smaller than the stride, and no dilation on any axis)"
                    ),
                    "padding",
                )
            before, after = _same_pads(
                total, mode == "same_upper", bump=0, nonnegative=_at_least(k, s)
            )
        else:
            before, after = self._pads(ctx, mode, what)
            for amount in (before, after):
                ctx.require(
                    amount < k,
                    lambda amount=amount: (
                        f"ONNX Runtime needs {what} pads smaller than the kernel ({render(k)}), "
                        f"received {render(amount)}"
                    ),
                    "padding",
                )
        span = n + before + after - ek
        # SAME with an undilated kernel: span = (ceil(n/s) - 1)*s >= 0 (no sign test
        # needed with symbolic sizes).
        overhang = not (truth(span >= 0) is True or (same and truth(ek <= k) is True))
        if overhang:
            # C integer division truncates toward zero: an overhang of less than
            # one stride still yields one window; one stride or more yields none.
            ctx.require(
                span > -s,
                lambda: (
                    f"ONNX {what}: the window ({render(ek)}) overhangs the padded input "
                    f"({render(n + before + after)}) by the stride ({render(s)}) or more; "
                    "the output would be empty"
                ),
                "pool_size",
            )
        if ceil_mode is False:
            out = floor_div(span, s) + 1
            if overhang:
                # trunc(span/s) + 1 for span > -s: floor(span/s) + 1, at least 1
                out = maximum(out, 1)
            formula = window_formula(n, ek, s, before, after, out)
        else:
            raw = ceil_div(span, s) + 1
            # The last window may not start in the end padding.
            out = piecewise((raw - 1) * s >= n + before, raw - 1, raw)
            formula = window_formula(n, ek, s, before, after, out, ceil=True)
        if truth(span < 0) is True:
            formula = formula.replace("floor(", "trunc(", 1) + " (C division rounds toward zero)"
        positive(ctx, out, f"ONNX {what}")
        return AxisResult(out, (before, after), formula)

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
        mode = self._mode(ctx, padding, "ConvTranspose")
        ek = effective_kernel(k, d)
        op = output_padding or 0
        ctx.require(op >= 0, "output_padding must be >= 0", "output_padding")
        # ONNX Runtime: output_padding < max(stride, dilation), then a forward
        # convolution over the output must give back n, i.e.
        # floor((full + output_padding - ek)/s) + 1 == n  <=>  output_padding < s.
        ctx.require(
            op < s,
            lambda: (
                f"ONNX Runtime needs output_padding < stride ({render(s)}), received {render(op)}"
            ),
            "output_padding",
        )
        full = transpose_full(n, ek, s)
        if isinstance(mode, tuple):
            # checked even where output_shape makes ONNX Runtime ignore them
            self._pads(ctx, mode, "ConvTranspose")
        if output_size is not None:
            target = output_size
            ctx.require(
                target >= 1,
                lambda: f"ONNX ConvTranspose output_shape must be >= 1, received {render(target)}",
                "output_size",
            )
            # Above full + output_padding nothing is cropped and the forward check
            # floor((target - ek)/s) + 1 == n holds up to full + s - 1.
            ctx.require(
                target <= full + s - 1,
                lambda: (
                    f"ONNX Runtime refuses output_shape {render(target)}: above "
                    f"(n - 1)*s + ek + s - 1 = {render(full + s - 1)} a convolution over it "
                    f"would not give back {render(n)}"
                ),
                "output_size",
            )
            total = maximum(full + op - target, 0)
            # The odd pixel is cropped at the start, except for SAME_UPPER.
            head, _ = split_pad(total, extra_after=mode == "same_upper")
            return AxisResult(
                target, (head, full - target - head), f"output_shape {render(target)}"
            )
        if mode in ("same_upper", "same_lower"):
            # Pad towards n*s, never below 0: a kernel smaller than the stride
            # leaves the output at full + output_padding < n*s.
            total = maximum(full + op - n * s, 0)
            head, _ = split_pad(total, extra_after=mode == "same_upper")
            out = minimum(n * s, full + op)
            text = f"min({render(n)}*{render(s)}, ({_paren(n)} - 1)*{render(s)} + {render(ek)}"
            text += f" + {render(op)})" if not (is_int(op) and op == 0) else ")"
            return AxisResult(out, (head, full - out - head), f"{text} = {render(out)}")
        before, after = self._pads(ctx, mode, "ConvTranspose")
        return self.transpose_cropped(ctx, n, ek, s, before, after, op, "ONNX ConvTranspose")

    def upsample_axis(self, ctx: AxisContext, n: Dim, scale: Any, size: Any) -> AxisResult:
        """``Resize``: ``sizes`` as given, or ``floor(n * scale)`` in float32."""
        if size is not None:
            ctx.require(
                size >= 1, lambda: f"the Resize size must be >= 1, received {size}", "output_size"
            )
            return AxisResult(size, None, f"size {render(size)}")
        ctx.require(scale > 0, lambda: f"ONNX Resize scales must be > 0, received {scale}", "scale")
        if is_int(n) and isinstance(scale, float | int):
            out: Dim = math.floor(_f32(_f32(float(scale)) * _f32(float(n))))
        else:
            out = mul_floor(n, scale)
        positive(ctx, out, "ONNX Resize", "scale")
        return AxisResult(out, None, f"floor({_paren(n)} * {render(scale)}) = {render(out)}")


def _paren(x: Any) -> str:
    text = render(x)
    return f"({text})" if not is_int(x) and any(c in text for c in "+-*/ ") else text
