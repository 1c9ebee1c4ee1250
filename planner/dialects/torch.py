"""PyTorch arithmetic (``torch.nn`` modules and ``torch.nn.functional``).

- ``Conv``: ``padding`` is an int or one int per axis, symmetric on both sides;
  ``'valid'`` is 0; ``'same'`` pads ``d*(k-1)`` in total, the odd pixel after, and is
  refused with a stride > 1. Output ``floor((n + 2p - ek)/s) + 1``, at least 1.
- ``ConvTranspose``: ``padding`` crops the full output ``(n-1)*s + ek`` on both sides,
  ``output_padding`` adds on the after side and must be smaller than the stride or
  the dilation. ``output_size`` (as passed to ``forward``) picks ``output_padding``.
- Pooling: stride defaults to the kernel size; ``padding`` at most half the
  (effective, for max pooling) kernel; with ``ceil_mode`` the last window must start
  inside the input or the left padding.
- ``Upsample``: ``floor(n * scale_factor)`` or ``size``.
- ``ZeroPad2d``/``F.pad`` list the last axis first; negative amounts crop.
"""

from __future__ import annotations

from typing import Any

from planner.dialects.arithmetic import effective_kernel, transpose_full
from planner.dialects.base import AxisContext, AxisResult, Dialect, positive, window_formula
from planner.symbolic.ops import Dim, floor_div, is_int, piecewise, render


class TorchDialect(Dialect):
    name = "torch"
    title = "PyTorch"
    pool_stride_is_window = True
    batch_norm_per_channel = 2  # weight and bias; running stats are buffers
    pad_may_crop = True  # F.pad / ZeroPad accept negative amounts

    def check_layer(self, layer: Any, ctx: AxisContext) -> None:
        if layer.type in ("conv", "depthwise_conv", "separable_conv") and layer.padding == "same":
            for s in layer.strides:
                ctx.require(
                    s == 1 if is_int(s) else s <= 1,
                    "PyTorch refuses padding='same' for strided convolutions "
                    f"(strides={list(layer.strides)}); use explicit padding",
                    "padding",
                )

    def batch_norm_params(self, layer: Any, channels: Any) -> Any:
        return 2 * channels if layer.affine else 0

    def _symmetric(self, ctx: AxisContext, padding: Any, what: str) -> Dim:
        before, after = padding
        if before is not after and not (is_int(before) and is_int(after) and before == after):
            raise ctx.refuse(
                f"PyTorch {what} padding is the same on both sides of an axis; received "
                f"({render(before)}, {render(after)}). Put a ZeroPad layer (F.pad) before it "
                "for asymmetric amounts",
                field="padding",
            )
        ctx.require(
            before >= 0,
            f"PyTorch {what} padding must be >= 0, received {render(before)}",
            "padding",
        )
        return before

    def conv_axis(
        self, ctx: AxisContext, n: Dim, k: Dim, s: Dim, d: Dim, padding: Any
    ) -> AxisResult:
        ek = effective_kernel(k, d)
        if padding == "valid":
            before = after = 0
        elif padding == "same":
            total = d * (k - 1)
            before = floor_div(total, 2)
            after = total - before
        elif isinstance(padding, str):
            raise self.mode_error(ctx, "Conv", padding, ("valid", "same"))
        else:
            before = after = self._symmetric(ctx, padding, "Conv")
        padded = n + before + after
        ctx.require(
            padded >= ek,
            f"PyTorch refuses a kernel larger than the padded input: padded size "
            f"{render(padded)}, effective kernel {render(ek)}",
            "kernel_size",
        )
        out = floor_div(padded - ek, s) + 1
        return AxisResult(out, (before, after), window_formula(n, ek, s, before, after, out))

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
        if isinstance(padding, str):
            if padding != "valid":
                raise ctx.refuse(
                    f"PyTorch ConvTranspose takes integer padding, not {padding!r}", field="padding"
                )
            p: Dim = 0
        else:
            p = self._symmetric(ctx, padding, "ConvTranspose")
        ek = effective_kernel(k, d)
        if output_size is not None:
            if output_padding not in (None, 0):
                raise ctx.refuse(
                    "give output_padding or output_size, not both", field="output_size"
                )
            smallest = transpose_full(n, ek, s) - 2 * p
            ctx.require(
                (output_size >= smallest) & (output_size <= smallest + s - 1),
                f"PyTorch ConvTranspose can produce sizes {render(smallest)} to "
                f"{render(smallest + s - 1)} here, not {render(output_size)}",
                "output_size",
            )
            output_padding = output_size - smallest
        op = output_padding or 0
        ctx.require(op >= 0, "output_padding must be >= 0", "output_padding")
        ctx.require(
            (op < s) | (op < d),
            f"PyTorch needs output_padding smaller than the stride or the dilation; received "
            f"output_padding={render(op)}, stride={render(s)}, dilation={render(d)}",
            "output_padding",
        )
        return self.transpose_cropped(ctx, n, ek, s, p, p, op, "PyTorch ConvTranspose")

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
        if isinstance(padding, str):
            if padding != "valid":
                raise ctx.refuse(
                    f"PyTorch pooling takes integer padding, not {padding!r}", field="padding"
                )
            p: Dim = 0
        else:
            p = self._symmetric(ctx, padding, "pooling")
        if op == "avg" and not (is_int(d) and d == 1):
            raise ctx.refuse("PyTorch AvgPool has no dilation", field="dilation")
        ek = effective_kernel(k, d)
        limit = floor_div(ek, 2)
        ctx.require(
            p <= limit,
            f"PyTorch pooling padding must be at most half the "
            f"{'effective ' if op == 'max' else ''}kernel ({render(limit)}), received {render(p)}",
            "padding",
        )
        floor_out = floor_div(n + 2 * p - ek, s) + 1
        if ceil_mode is False:
            out = floor_out
            formula = window_formula(n, ek, s, p, p, out)
        else:
            raw = floor_div(n + 2 * p - ek + s - 1, s) + 1
            # The last window must start inside the input or the left padding.
            out = piecewise((raw - 1) * s >= n + p, raw - 1, raw)
            formula = window_formula(n, ek, s, p, p, out, ceil=True)
        positive(ctx, out, "PyTorch pooling")
        return AxisResult(out, (p, p), formula)
