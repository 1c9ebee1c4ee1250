"""Keras 3 / TensorFlow arithmetic.

- ``'valid'``: ``floor((n - ek)/s) + 1``; zero or negative is refused.
- ``'same'``: output ``ceil(n/s)``; total padding ``max((ceil(n/s)-1)*s + ek - n, 0)``
  split floor before, ceil after (the extra pixel goes after).
- ``'causal'`` (``Conv1D`` only): ``ek - 1`` on the left.
- Pooling stride defaults to the pool size, so ``MaxPooling2D(2, padding='same')``
  takes 28 to 14.
- ``Conv2DTranspose``: without ``output_padding``, ``'valid'`` gives
  ``(n-1)*s + max(ek, s)`` and ``'same'`` gives ``n*s``; with it,
  ``(n-1)*s + ek + op`` (valid) or ``(n-1)*s + ek % 2 + op`` (same, which is 0 for
  ``n = 1``, an even ``ek`` and ``op = 0``: refused); ``output_padding`` must be
  strictly less than the stride. No ``groups``.
- ``Conv``/``ConvTranspose`` refuse any stride > 1 together with any dilation > 1
  (even on different axes); ``DepthwiseConv``/``SeparableConv`` accept it, and
  exist in 1D and 2D only.

Backends (checked against Keras 3.15.1 by tests/conformance/test_keras.py): the
shapes here are those of ``compute_output_shape``, which ``summary()`` reports.
For transposed convolutions the PyTorch and JAX backends' real tensors agree with
it, values included: since keras-team/keras#22876 the torch backend runs the
transposed convolution unpadded and crops/extends it to JAX's window, which is the
``(before, after)`` given here. Before it, Keras converted to torch's
``padding``/``output_padding``; ``'same'`` with stride 1, no ``output_padding`` and
an even effective kernel needs torch output padding 1 >= stride, which raised
(keras-team/keras#20949) and later was clamped to 0, giving ``n - 1`` instead of
``n``.

``AveragePooling3D`` 'same' with an even split on every axis and an axis smaller
than its pool raises on torch (torch's avg_pool3d checks the unpadded input) while
``compute_output_shape`` and JAX give the shape, which is the one given here.
``Conv2DTranspose(padding='same', output_padding=...)`` with an even kernel fails on
the TensorFlow backend (oneDNN "could not create a primitive descriptor") while the
PyTorch and JAX backends and ``compute_output_shape`` give the shape planner gives;
``notes`` says so beside the layer.

Keras has no reflection, replication or circular padding layer (``ZeroPadding``
pads with zeros only; ``keras.ops.pad`` with a mode is not a layer): planner refuses
those modes.

``ZeroPadding2D(-1)`` (a negative int, which Keras does not validate beyond 1D)
crops on torch and in ``compute_output_shape`` but raises on JAX; it is refused
here, as the pair form is by Keras.
"""

from __future__ import annotations

from typing import Any

from planner.dialects.arithmetic import effective_kernel, transpose_full
from planner.dialects.base import AxisContext, AxisResult, Dialect, _t, optional, positive
from planner.symbolic.ops import Dim, floor_div, maximum, minimum, render

# UpSampling2D's interpolations (UpSampling1D and 3D repeat: nearest only).
_UPSAMPLE_MODES = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5")


class KerasDialect(Dialect):
    name = "keras"
    title = "Keras"
    pool_stride_is_window = True
    # gamma, beta, moving mean, moving variance (summary() counts all four).
    batch_norm_per_channel = 4
    concat_default_last = True  # Concatenate(axis=-1) in either data format

    def activation_params(self, layer: Any, dims: tuple[Any, ...]) -> Any:
        # PReLU learns one slope per element (shared_axes=None).
        if layer.activation != "prelu":
            return 0
        out: Any = 1
        for d in dims:
            out = out * d
        return out

    def check_layer(self, layer: Any, ctx: AxisContext) -> None:
        kind = layer.type
        strides = optional(layer, "strides") or ()
        dilation = optional(layer, "dilation") or ()
        rank = len(optional(layer, "kernel_size") or ())
        if kind == "conv_transpose" and layer.output_padding is not None:
            # Checked for every axis in __init__, before any shape (and before the
            # strides/dilation check), so it is the reason Keras gives.
            output_padding = layer.output_padding

            def message() -> str:
                return (
                    f"Keras needs output_padding < strides on every axis, received "
                    f"output_padding={list(output_padding)} with strides={list(strides)}"
                )

            for op, s in zip(output_padding, strides, strict=True):
                ctx.require(op < s, message, "output_padding")
        if kind in ("conv", "conv_transpose"):
            # BaseConv/BaseConvTranspose: max(strides) > 1 and max(dilation) > 1, so
            # stride 2 on H refuses dilation 2 on W too. Depthwise and separable
            # convolutions do not check it (every backend runs them).

            def message() -> str:
                return (
                    f"Keras does not support strides > 1 together with dilation_rate > 1 "
                    f"(received strides={list(strides)}, dilation_rate={list(dilation)})"
                )

            for s in strides:
                for d in dilation:
                    holds = (s <= 1) | (d <= 1)
                    if holds is not True:  # decided without a call for integer sizes
                        ctx.require(holds, message, "strides")
        if kind in ("depthwise_conv", "separable_conv") and rank > 2:
            raise ctx.refuse(
                f"Keras has {'DepthwiseConv' if kind == 'depthwise_conv' else 'SeparableConv'}"
                f" in 1D and 2D only, not {rank}D",
                field="type",
            )
        if kind != "conv" and optional(layer, "padding") == "causal":
            # Only Conv1D accepts 'causal' (standardize_padding(allow_causal=rank == 1));
            # conv_axis refuses it beyond 1D.
            raise ctx.refuse("Keras accepts padding 'causal' in Conv1D only", field="padding")
        if kind == "conv_transpose" and layer.groups != 1:
            raise ctx.refuse(
                "Keras transposed convolutions take no groups (Conv*DTranspose has no "
                "`groups` argument)",
                field="groups",
            )
        if kind in ("max_pool", "avg_pool"):
            if any(d != 1 for d in dilation):
                raise ctx.refuse("Keras pooling has no dilation", field="dilation")
            if layer.ceil_mode is True:
                raise ctx.refuse(
                    "Keras pooling has no ceil_mode; use padding='same' (ceil(n/s)) instead",
                    field="ceil_mode",
                )
        if kind != "upsample":
            return
        if layer.resizing:
            if ctx.rank != 2 or layer.output_size is None:
                raise ctx.refuse(
                    "Keras Resizing works on images: height and width", field="output_size"
                )
            return
        if layer.output_size is not None:
            raise ctx.refuse(
                "Keras UpSampling takes a factor (size=2), not an output size", field="output_size"
            )
        mode = layer.mode.lower()
        valid = _UPSAMPLE_MODES if ctx.rank == 2 else ("nearest",)
        if mode not in valid:
            raise ctx.refuse(
                f"Keras UpSampling{ctx.rank}D takes interpolation "
                + ", ".join(repr(m) for m in valid)
                + f", not {layer.mode!r}",
                field="mode",
            )

    def notes(self, layer: Any) -> list[str]:
        if (
            layer.type == "conv_transpose"
            and layer.padding == "same"
            and layer.output_padding is not None
            and any(isinstance(k, int) and k % 2 == 0 for k in layer.kernel_size)
        ):
            return [
                "on the TensorFlow backend this layer fails (oneDNN: could not create a "
                "primitive descriptor: 'same' with output_padding and an even kernel); the "
                "PyTorch and JAX backends and compute_output_shape give the shape shown"
            ]
        return []

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
            # output_padding < strides is a whole-layer check (check_layer).
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
