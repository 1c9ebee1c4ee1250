"""PyTorch arithmetic (``torch.nn`` modules and ``torch.nn.functional``).

- ``Conv``: ``padding`` is an int or one int per axis, symmetric on both sides;
  ``'valid'`` is 0; ``'same'`` pads ``d*(k-1)`` in total, the odd pixel after, and is
  refused with a stride > 1. Output ``floor((n + 2p - ek)/s) + 1``, at least 1.
  ``padding_mode='reflect'`` needs each side below the input size, ``'circular'``
  at most the input size.
- ``ConvTranspose``: ``padding`` crops the full output ``(n-1)*s + ek`` on both sides,
  ``output_padding`` adds on the after side and must be smaller than the stride or
  the dilation. ``output_size`` (as passed to ``forward``) picks ``output_padding``
  from ``stride`` sizes and overrides the module's own ``output_padding``.
- Pooling: stride defaults to the kernel size; ``padding`` at most half the kernel
  size itself (a dilated max pooling window allows no more); with ``ceil_mode`` the
  last window must start inside the input or the left padding. ``AvgPool3d`` alone
  also refuses an (unpadded) input smaller than its kernel.
- ``Upsample``: ``floor(n * scale_factor)`` for any factor (``0.5`` halves), or
  ``size``; the output must be at least 1. One of the two is required, and the
  linear modes need their rank: ``linear`` 1D, ``bilinear``/``bicubic`` 2D,
  ``trilinear`` 3D.
- ``ConvTranspose`` takes integer padding only (``'valid'``/``'same'`` raise).
- ``ZeroPad2d``/``F.pad`` list the last axis first; negative amounts crop, and the
  crops alone must not exceed the input (they are applied before any padding).
  ``ReflectionPad``: each side below the input size; ``CircularPad``: at most the
  input size; ``ReplicationPad``: any amount. Negative amounts with these modes are
  refused by planner (torch 2.13 reads outside the tensor for some of them).
"""

from __future__ import annotations

from typing import Any, ClassVar

from planner.dialects.arithmetic import effective_kernel, transpose_full
from planner.dialects.base import AxisContext, AxisResult, Dialect, positive, window_formula
from planner.symbolic.ops import Dim, floor_div, is_int, minimum, mul_floor, piecewise, render

# F.interpolate's linear modes and the spatial rank each one takes.
_UPSAMPLE_RANK = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


class TorchDialect(Dialect):
    name = "torch"
    title = "PyTorch"
    pool_stride_is_window = True
    batch_norm_per_channel = 2  # weight and bias; running stats are buffers
    pad_may_crop = True  # F.pad / ZeroPad accept negative amounts
    # ReflectionPad mirrors without the edge: each side below the input size;
    # CircularPad wraps once: at most the input size. (Negative amounts with these
    # modes read outside the tensor in torch 2.13; planner refuses them.)
    fill_limits: ClassVar[dict[str, Any]] = {
        "reflect": lambda n: n - 1,
        "replicate": None,
        "circular": lambda n: n,
    }

    def check_layer(self, layer: Any, ctx: AxisContext) -> None:
        if (
            layer.type == "conv_transpose"
            and isinstance(layer.padding, str)
            and "padding" in layer.model_fields_set
        ):
            # _ConvTransposeNd raises "padding must be an int or a tuple" (TypeError).
            raise ctx.refuse(
                f"PyTorch ConvTranspose takes integer padding, not {layer.padding!r} "
                "(it raises TypeError); write 0 for no padding",
                field="padding",
            )
        if layer.type == "upsample":
            self._check_upsample_mode(layer, ctx)
        if layer.type in ("conv", "depthwise_conv", "separable_conv") and layer.padding == "same":
            for s in layer.strides:
                ctx.require(
                    s == 1 if is_int(s) else s <= 1,
                    lambda: (
                        "PyTorch refuses padding='same' for strided convolutions "
                        f"(strides={list(layer.strides)}); use explicit padding"
                    ),
                    "padding",
                )

    def batch_norm_params(self, layer: Any, channels: Any) -> Any:
        return 2 * channels if layer.affine else 0

    def _check_upsample_mode(self, layer: Any, ctx: AxisContext) -> None:
        """F.interpolate: each linear mode needs its own input rank."""
        mode = layer.mode.lower()
        if mode not in _UPSAMPLE_RANK and mode not in ("nearest", "nearest-exact", "area"):
            raise ctx.refuse(
                f"PyTorch Upsample has no mode {layer.mode!r}; valid: nearest, "
                "nearest-exact, area, linear (1D), bilinear, bicubic (2D), trilinear (3D)",
                field="mode",
            )
        need = _UPSAMPLE_RANK.get(mode)
        if need is not None and need != ctx.rank:
            fits = next(m for m, r in _UPSAMPLE_RANK.items() if r == ctx.rank)
            raise ctx.refuse(
                f"PyTorch Upsample mode {mode!r} needs a {need + 2}D input ({need} spatial "
                f"axes); this one has {ctx.rank} (use {fits!r})",
                field="mode",
            )

    def _symmetric(
        self,
        ctx: AxisContext,
        padding: Any,
        what: str,
        hint: str = "Put a ZeroPad layer (F.pad) before it for asymmetric amounts",
    ) -> Dim:
        before, after = padding
        if before is not after and not (is_int(before) and is_int(after) and before == after):
            raise ctx.refuse(
                f"PyTorch {what} padding is the same on both sides of an axis; received "
                f"({render(before)}, {render(after)}). {hint}",
                field="padding",
            )
        ctx.require(
            before >= 0,
            lambda: f"PyTorch {what} padding must be >= 0, received {render(before)}",
            "padding",
        )
        return before

    def _padding_mode_fits(self, ctx: AxisContext, n: Dim, before: Dim, after: Dim) -> None:
        """Conv ``padding_mode``: 'reflect' mirrors without the edge, so each side must be
        smaller than the input; 'circular' may wrap around once, so at most the input.
        Needs the mode on AxisContext (a shared change); without it, 'zeros' is assumed."""
        mode = getattr(ctx, "padding_mode", "zeros")
        if mode not in ("reflect", "circular"):
            return
        for side in (before, after):
            fits = side < n if mode == "reflect" else side <= n
            ctx.require(
                fits,
                lambda side=side: (
                    f"PyTorch padding_mode={mode!r} needs each side's padding "
                    f"{'<' if mode == 'reflect' else '<='} the input size; received {render(side)} "
                    f"for an input of {render(n)}"
                ),
                "padding",
            )

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
        self._padding_mode_fits(ctx, n, before, after)
        padded = n + before + after
        ctx.require(
            padded >= ek,
            lambda: (
                f"PyTorch refuses a kernel larger than the padded input: padded size "
                f"{render(padded)}, effective kernel {render(ek)}"
            ),
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
            # Its padding crops the output, so the asymmetric remedy crops afterwards.
            p = self._symmetric(
                ctx,
                padding,
                "ConvTranspose",
                "Crop the output for asymmetric amounts (F.pad with negative amounts)",
            )
        ek = effective_kernel(k, d)
        if output_size is not None:
            # ``forward(x, output_size)`` derives output_padding = output_size - smallest
            # and ignores the module's own output_padding.
            smallest = transpose_full(n, ek, s) - 2 * p
            ctx.require(
                (output_size >= smallest) & (output_size <= smallest + s - 1),
                lambda: (
                    f"PyTorch ConvTranspose can produce sizes {render(smallest)} to "
                    f"{render(smallest + s - 1)} here, not {render(output_size)}"
                ),
                "output_size",
            )
            output_padding = output_size - smallest
        op = output_padding or 0
        ctx.require(op >= 0, "output_padding must be >= 0", "output_padding")
        ctx.require(
            (op < s) | (op < d),
            lambda: (
                f"PyTorch needs output_padding smaller than the stride or the dilation; received "
                f"output_padding={render(op)}, stride={render(s)}, dilation={render(d)}"
            ),
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
        if op == "avg" and getattr(ctx, "rank", None) == 3:
            # AvgPool3d alone also checks the unpadded input against the kernel (ATen
            # pool3d_shape_check with check_input_size), padding or not. Needs the
            # rank on AxisContext (a shared change); without it this check is skipped.
            ctx.require(
                n >= k,
                lambda: (
                    f"PyTorch AvgPool3d refuses an input smaller than its kernel, padding or "
                    f"not: input {render(n)}, kernel {render(k)}"
                ),
                "pool_size",
            )
        ek = effective_kernel(k, d)
        # ATen checks ``k/2 >= pad`` on the kernel size itself; max pooling also checks
        # ``ek/2 >= pad``, which that implies. Dilation allows no more padding.
        limit = floor_div(k, 2)
        ctx.require(
            p <= limit,
            lambda: (
                f"PyTorch pooling padding must be at most half the kernel size "
                f"({render(k)} // 2 = {render(limit)}), received {render(p)}"
            ),
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

    def upsample_axis(self, ctx: AxisContext, n: Dim, scale: Any, size: Any) -> AxisResult:
        if size is not None:
            return super().upsample_axis(ctx, n, scale, size)
        # F.interpolate: floor(float(n) * scale_factor), any factor, even below 1.
        out = mul_floor(n, scale)
        ctx.require(
            out >= 1,
            lambda: (
                f"PyTorch Upsample: {render(n)} * {render(scale)} leaves {render(out)}; "
                "the output size must be at least 1"
            ),
            "scale",
        )
        exact = is_int(scale) or (isinstance(scale, float) and scale.is_integer())
        text = f"{render(n)} * {render(scale)}"
        return AxisResult(out, None, f"{text if exact else f'floor({text})'} = {render(out)}")

    def zero_pad_axis(self, ctx: AxisContext, n: Dim, before: Dim, after: Dim) -> AxisResult:
        # F.pad crops (narrow) before it pads: the crops alone must leave n + crops >= 0,
        # so (-6, 2) on 5 is refused although 5 - 6 + 2 = 1.
        cropped = n + minimum(before, 0) + minimum(after, 0)
        ctx.require(
            cropped >= 0,
            lambda: (
                f"PyTorch F.pad crops {render(n)} by ({render(before)}, {render(after)}) "
                "before padding, which leaves less than nothing"
            ),
            "padding",
        )
        return super().zero_pad_axis(ctx, n, before, after)
