"""Keras 3 / TensorFlow arithmetic.

- ``'valid'``: ``floor((n - ek)/s) + 1``; zero or negative is refused.
- ``'same'``: output ``ceil(n/s)``; total padding ``max((ceil(n/s)-1)*s + ek - n, 0)``
  split floor before, ceil after (the extra pixel goes after).
- ``'causal'`` (1D convolutions only): ``ek - 1`` on the left.
- Pooling stride defaults to the pool size, so ``MaxPooling2D(2, padding='same')``
  takes 28 to 14.
- ``Conv2DTranspose``: without ``output_padding``, ``'valid'`` gives
  ``(n-1)*s + max(ek, s)`` and ``'same'`` gives ``n*s``; with it,
  ``(n-1)*s + ek + op`` (valid) or ``(n-1)*s + ek % 2 + op`` (same);
  ``output_padding`` must be strictly less than the stride.
- ``strides > 1`` together with ``dilation_rate > 1`` is refused.

Where Keras' backends disagree (PyTorch's backend places the odd pixel of a
transposed ``'same'`` differently, and clamps output padding it cannot express),
the shapes here are those of ``compute_output_shape``, which every backend reports.
"""

from __future__ import annotations

from typing import Any

from planner.dialects.arithmetic import effective_kernel, transpose_full
from planner.dialects.base import AxisContext, AxisResult, Dialect, _t, positive
from planner.symbolic.ops import Dim, floor_div, maximum, minimum, render


class KerasDialect(Dialect):
    name = "keras"
    title = "Keras"
    pool_stride_is_window = True
    # gamma, beta, moving mean, moving variance (summary() counts all four).
    batch_norm_per_channel = 4

    def check_layer(self, layer: Any, ctx: AxisContext) -> None:
        strides = getattr(layer, "strides", None) or ()
        dilation = getattr(layer, "dilation", None) or ()
        if layer.type in ("conv", "conv_transpose", "depthwise_conv", "separable_conv"):
            for s in strides:
                for d in dilation:
                    ctx.require(
                        (s <= 1) | (d <= 1),
                        f"Keras does not support strides > 1 together with dilation_rate > 1 "
                        f"(received strides={list(strides)}, dilation_rate={list(dilation)})",
                        "strides",
                    )
        if layer.type in ("max_pool", "avg_pool"):
            if any(d != 1 for d in dilation):
                raise ctx.refuse("Keras pooling has no dilation", field="dilation")
            if layer.ceil_mode is True:
                raise ctx.refuse(
                    "Keras pooling has no ceil_mode; use padding='same' (ceil(n/s)) instead",
                    field="ceil_mode",
                )
        if layer.type == "upsample" and layer.output_size is not None:
            raise ctx.refuse(
                "Keras UpSampling takes a factor (size=2), not an output size", field="output_size"
            )

    def batch_norm_params(self, layer: Any, channels: Any) -> Any:
        # moving mean and variance always; gamma with scale, beta with center.
        return (2 + int(layer.center) + int(layer.scale)) * channels

    def _modes(self, ctx: AxisContext, padding: Any, what: str, allowed: tuple[str, ...]) -> str:
        if not isinstance(padding, str) or padding not in allowed:
            hint = (
                " (use a ZeroPadding layer for explicit amounts)"
                if not isinstance(padding, str)
                else ""
            )
            raise ctx.refuse(
                f"Keras {what} padding must be one of {', '.join(repr(m) for m in allowed)}, "
                f"received {padding!r}{hint}",
                field="padding",
            )
        return padding

    def conv_axis(
        self, ctx: AxisContext, n: Dim, k: Dim, s: Dim, d: Dim, padding: Any
    ) -> AxisResult:
        allowed = ("valid", "same", "causal") if ctx.axis == "L" else ("valid", "same")
        mode = self._modes(ctx, padding, "convolution", allowed)
        ek = effective_kernel(k, d)
        if mode == "valid":
            return self.explicit(ctx, n, ek, s, 0, 0, "Keras 'valid' convolution")
        if mode == "causal":
            return self.explicit(ctx, n, ek, s, ek - 1, 0, "Keras 'causal' convolution")
        return self.same(ctx, n, ek, s)

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
        mode = self._modes(ctx, padding, "pooling", ("valid", "same"))
        if mode == "valid":
            return self.explicit(ctx, n, k, s, 0, 0, "Keras 'valid' pooling")
        return self.same(ctx, n, k, s)

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
        mode = self._modes(ctx, padding, "transposed convolution", ("valid", "same"))
        if output_size is not None:
            raise ctx.refuse(
                "Keras transposed convolutions take no output size", field="output_size"
            )
        ek = effective_kernel(k, d)
        if output_padding is not None:
            ctx.require(
                output_padding < s,
                f"Keras needs output_padding < strides, received output_padding="
                f"{render(output_padding)} with strides={render(s)}",
                "output_padding",
            )
            ctx.require(output_padding >= 0, "output_padding must be >= 0", "output_padding")
        if mode == "valid":
            if output_padding is None:
                out = (n - 1) * s + maximum(ek, s)
                text = f"({_t(n)} - 1)*{_t(s)} + max({_t(ek)}, {_t(s)})"
            else:
                out = transpose_full(n, ek, s) + output_padding
                text = f"({_t(n)} - 1)*{_t(s)} + {_t(ek)} + {_t(output_padding)}"
        else:
            if output_padding is None:
                out = n * s
                text = f"{_t(n)}*{_t(s)}"
                pad_len = s + ek - 2
            else:
                out = (n - 1) * s + ek % 2 + output_padding
                text = f"({_t(n)} - 1)*{_t(s)} + {_t(ek)} % 2 + {_t(output_padding)}"
                pad_len = ek + ek % 2 - 2 + output_padding
        positive(ctx, out, "Keras transposed convolution")
        # Per-side placement follows TensorFlow (and Keras' JAX backend): the lax-style
        # pad before is min(ceil(pad_len/2), ek-1); as forward padding, ek-1 minus it.
        full = transpose_full(n, ek, s)
        if mode == "valid":
            before = 0
        else:
            lax_before = minimum(floor_div(pad_len + 1, 2), ek - 1)
            before = ek - 1 - lax_before
        after = full - out - before
        return AxisResult(out, (before, after), f"{text} = {render(out)}")
