"""ONNX arithmetic, as ONNX Runtime computes it.

- ``auto_pad``: ``NOTSET`` (explicit ``pads``, asymmetric allowed; planner's
  ``padding`` pairs), ``SAME_UPPER`` (planner ``'same'``: odd pixel after),
  ``SAME_LOWER`` (odd pixel before), ``VALID``.
- Convolution with ``SAME_*`` and a dilation > 1 is refused by ONNX Runtime.
- Pooling with ``SAME_*`` computes the padding from the *undilated* kernel, so a
  dilated ``SAME`` pool does not keep ``ceil(n/s)``.
- ``ceil_mode``: ``ceil((n + pads - ek)/s) + 1``, less one when the last window would
  start in the right padding.
- ``ConvTranspose``: ``s*(n-1) + output_padding + ek - pads``; with ``SAME_*`` the
  output is ``n*s``; with ``output_shape`` (planner ``output_size``) the padding is
  derived from the requested size.
- ``Pad`` accepts negative amounts (they crop); ``Resize`` gives ``floor(n*scale)``.
"""

from __future__ import annotations

from typing import Any

from planner.dialects.arithmetic import effective_kernel, split_pad, transpose_full
from planner.dialects.base import AxisContext, AxisResult, Dialect, positive, window_formula
from planner.symbolic.ops import Dim, ceil_div, floor_div, is_int, maximum, piecewise, render

_MODES = ("notset", "valid", "same", "same_upper", "same_lower")


class OnnxDialect(Dialect):
    name = "onnx"
    title = "ONNX"
    pool_stride_is_window = False  # ONNX strides default to 1 along each axis
    batch_norm_per_channel = 4  # scale, B, mean, var initializers
    pad_may_crop = True  # Pad accepts negative amounts

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
            return self.same(ctx, n, ek, s, extra_after=mode == "same_upper")
        before, after = (0, 0) if mode == "valid" else mode
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
        mode = self._mode(ctx, padding, "pooling")
        ek = effective_kernel(k, d)
        if mode in ("same_upper", "same_lower"):
            # ONNX Runtime sizes the SAME padding with the undilated kernel.
            total = (ceil_div(n, s) - 1) * s + k - n
            before, after = split_pad(total, extra_after=mode == "same_upper")
        elif mode == "valid":
            before = after = 0
        else:
            before, after = mode
        if ceil_mode is False:
            out = floor_div(n + before + after - ek, s) + 1
            formula = window_formula(n, ek, s, before, after, out)
        else:
            raw = ceil_div(n + before + after - ek, s) + 1
            out = piecewise((raw - 1) * s >= n + before, raw - 1, raw)
            formula = window_formula(n, ek, s, before, after, out, ceil=True)
        positive(ctx, out, f"ONNX {'MaxPool' if op == 'max' else 'AveragePool'}")
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
        full = transpose_full(n, ek, s) + op
        if output_size is not None or mode in ("same_upper", "same_lower"):
            target = output_size if output_size is not None else n * s
            total = maximum(full - target, 0)
            # ONNX Runtime puts the odd pixel of SAME_UPPER at the head (the ONNX
            # specification says the tail); SAME_LOWER and NOTSET at the tail.
            head, tail = split_pad(total, extra_after=mode != "same_upper")
            ctx.require(
                target >= 1,
                f"ONNX ConvTranspose output_shape must be >= 1, received {render(target)}",
                "output_size",
            )
            text = (
                f"output_shape {render(target)}"
                if output_size is not None
                else f"{render(n)}*{render(s)} = {render(target)}"
            )
            return AxisResult(target, (head, tail - op), text)
        before, after = (0, 0) if mode == "valid" else mode
        return self.transpose_cropped(ctx, n, ek, s, before, after, op, "ONNX ConvTranspose")
