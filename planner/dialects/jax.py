"""JAX / Flax arithmetic (``jax.lax`` and ``flax.linen``).

- ``'SAME'``: output ``ceil(n/s)``, the odd pixel after; ``'SAME_LOWER'``: before.
- ``'VALID'``: ``floor((n - ek)/s) + 1``. JAX returns an empty array (size 0) where
  other frameworks raise; planner refuses it and says so.
- ``'CIRCULAR'`` / ``'REFLECT'`` (Flax ``Conv``): wraps (mirrors) ``(ek-1)//2`` before
  and ``ek//2`` after with ``jnp.pad``, then VALID.
- Padding layers (``jnp.pad`` modes ``reflect``, ``edge``, ``wrap``): any amount.
- ``'CAUSAL'`` (Flax, 1D): ``ek - 1`` on the left.
- Explicit ``(low, high)`` pairs per axis, asymmetric and negative allowed; a
  negative total that removes more than the whole input makes lax raise instead.
- Pooling (``flax.linen.max_pool``/``avg_pool``/``min_pool``): the stride defaults to
  **1**, not the window.
- Two levels (the network's ``api``, default ``flax``): ``flax.linen`` pooling has no
  dilation of any kind and no sum pooling; ``jax.lax.reduce_window`` (``api: lax``)
  takes ``window_dilation`` (planner ``dilation``) and ``base_dilation``
  (``input_dilation``), with max, min or add (sum pooling). ``'SAME'`` pads are sized
  on the undilated input with the dilated window, then the window slides over the
  base-dilated input. Convolutions take ``input_dilation``
  (``lhs_dilation``) at both levels: the input ``(n - 1)*ld + 1`` is what the window
  slides over; string padding is then refused (explicit pairs only). ``lax.conv_transpose(use_consistent_padding=True)`` reads explicit
  pairs as the forward convolution's padding (PyTorch's meaning).
- ``ConvTranspose`` (``lax.conv_transpose``): explicit pairs pad the *dilated input*
  (not the output, unlike PyTorch and ONNX): ``(n-1)*s + 2 - ek + low + high``;
  ``'SAME'`` gives ``n*s``, ``'VALID'`` ``n*s + max(ek - s, 0)``, ``'CIRCULAR'`` ``n*s``
  (the ``'VALID'`` result summed over periods of ``n*s``). ``'SAME_LOWER'`` is handed
  to the forward convolution: ``n``, and only when every stride is 1. There is no
  ``output_padding`` and no ``feature_group_count``.

Modes are Flax's upper-case spellings. Flax compares ``'CIRCULAR'`` and ``'CAUSAL'``
case-sensitively (lower case reaches lax, which raises), and ``ConvTranspose`` treats
only upper-case ``'SAME'``/``'VALID'`` as transposed modes (lower case ones are run as
the forward convolution's padding of the dilated input).
"""

from __future__ import annotations

from typing import Any, ClassVar

from planner.dialects.arithmetic import effective_kernel, transpose_full
from planner.dialects.base import AxisContext, AxisResult, Dialect, _t, optional, window_formula
from planner.symbolic.ops import (
    Dim,
    ceil_div,
    floor_div,
    is_int,
    maximum,
    piecewise,
    render,
    truth,
)

_EMPTY = "JAX would return an empty (size 0) array"


class JaxDialect(Dialect):
    name = "jax"
    title = "JAX/Flax"
    pool_stride_is_window = False
    batch_norm_per_channel = 2  # scale and bias; batch_stats are a separate collection
    # jnp.pad modes 'reflect', 'edge', 'wrap' repeat as often as needed: any amount.
    fill_limits: ClassVar[dict[str, Any]] = {"reflect": None, "replicate": None, "circular": None}

    def check_layer(self, layer: Any, ctx: AxisContext) -> None:
        api = optional(layer, "api") or "flax"
        if optional(layer, "reduce") == "sum" and api != "lax":
            raise ctx.refuse(
                "flax.linen has no sum pooling; lax.reduce_window with lax.add has "
                "(write api: lax)",
                field="reduce",
            )
        if layer.type != "conv_transpose":
            return
        if layer.use_consistent_padding and api != "lax":
            raise ctx.refuse(
                "flax.linen ConvTranspose has no use_consistent_padding; "
                "jax.lax.conv_transpose has (write api: lax)",
                field="use_consistent_padding",
            )
        if any(not (is_int(v) and v == 1) for v in _each(layer.input_dilation)):
            raise ctx.refuse(
                "JAX transposed convolutions take no input dilation (their strides dilate "
                "the input)",
                field="input_dilation",
            )
        if layer.groups != 1:
            raise ctx.refuse("Flax ConvTranspose has no feature_group_count", field="groups")
        if layer.padding == "same_lower":
            # lax.conv_transpose passes 'SAME_LOWER' on to conv_general_dilated, which
            # refuses string padding once the input is dilated (any stride > 1).
            for s in layer.strides:
                ctx.require(
                    s == 1 if is_int(s) else s <= 1,
                    lambda: (
                        "JAX ConvTranspose accepts 'SAME_LOWER' only when every stride is 1 "
                        f"(strides={list(layer.strides)}); use explicit (low, high) pairs"
                    ),
                    "padding",
                )

    def _window(
        self,
        ctx: AxisContext,
        n: Dim,
        ek: Dim,
        s: Dim,
        padding: Any,
        what: str,
        allow: tuple[str, ...],
        convolution: bool,
    ) -> AxisResult:
        if isinstance(padding, str) and padding not in allow:
            raise self.mode_error(ctx, what, padding.upper(), tuple(m.upper() for m in allow))
        if padding in ("same", "same_lower"):
            return self.same(ctx, n, ek, s, extra_after=padding == "same")
        if padding == "valid":
            before = after = 0
        elif padding in ("circular", "reflect"):
            before, after = floor_div(ek - 1, 2), floor_div(ek, 2)
        elif padding == "causal":
            if ctx.axis != "L":
                raise ctx.refuse("Flax CAUSAL padding is only for 1D convolutions", field="padding")
            before, after = ek - 1, 0
        else:
            before, after = padding
            if convolution:
                negative_padding_fits(ctx, n, before, after, what, "input")
        return self.explicit_or_empty(ctx, n, ek, s, before, after, what)

    def explicit_or_empty(
        self, ctx: AxisContext, n: Dim, ek: Dim, s: Dim, before: Dim, after: Dim, what: str
    ) -> AxisResult:
        # lax computes ceil((n + pads - ek + 1)/s), clamped at 0: an empty array.
        # (reduce_window clamps a negative padded size too; convolutions raise first.)
        out = maximum(ceil_div(n + before + after - ek + 1, s), 0)
        ctx.require(
            out >= 1,
            lambda: (
                f"{what}: the window {render(ek)} does not fit the padded input "
                f"{render(n + before + after)}; {_EMPTY}"
            ),
        )
        return AxisResult(out, (before, after), window_formula(n, ek, s, before, after, out))

    def conv_axis(
        self, ctx: AxisContext, n: Dim, k: Dim, s: Dim, d: Dim, padding: Any
    ) -> AxisResult:
        ld = ctx.at("input_dilation", 1)
        if isinstance(padding, str) and not (is_int(ld) and ld == 1):
            # conv_general_dilated: "String padding is not implemented for transposed
            # convolution using this op" (Flax turns its modes into strings too).
            raise ctx.refuse(
                f"JAX refuses padding {padding.upper()!r} with an input dilation; give "
                "explicit (low, high) pairs",
                field="padding",
            )
        return self._window(
            ctx,
            _dilated_input(ctx, n),
            effective_kernel(k, d),
            s,
            padding,
            "Flax Conv",
            ("valid", "same", "same_lower", "circular", "reflect", "causal"),
            convolution=True,
        )

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
        lax = (getattr(ctx.spec, "api", None) or "flax") == "lax"
        if not lax:
            if not (isinstance(d, int) and d == 1):
                raise ctx.refuse(
                    "flax.linen pooling has no dilation; lax.reduce_window has "
                    "window_dilation (write api: lax)",
                    field="dilation",
                )
            if not (is_int(ctx.at("input_dilation", 1)) and ctx.at("input_dilation", 1) == 1):
                raise ctx.refuse(
                    "flax.linen pooling has no input dilation; lax.reduce_window has "
                    "base_dilation (write api: lax)",
                    field="input_dilation",
                )
        if ceil_mode is True:
            raise ctx.refuse("JAX pooling has no ceil_mode", field="ceil_mode")
        ek = effective_kernel(k, d)
        if padding in ("same", "same_lower") and not (
            is_int(ctx.at("input_dilation", 1)) and ctx.at("input_dilation", 1) == 1
        ):
            # reduce_window sizes a string padding on the undilated operand, then
            # slides the window over the base-dilated one.
            before, after = self.same(ctx, n, ek, s, extra_after=padding == "same").pad or (0, 0)
            return self.explicit_or_empty(
                ctx, _dilated_input(ctx, n), ek, s, before, after, "lax.reduce_window"
            )
        return self._window(
            ctx,
            _dilated_input(ctx, n),
            effective_kernel(k, d),
            s,
            padding,
            "lax.reduce_window" if lax else f"Flax {op}_pool",
            ("valid", "same", "same_lower"),
            convolution=False,
        )

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
        if output_padding is not None:
            raise ctx.refuse(
                "Flax ConvTranspose has no output_padding; use explicit (low, high) "
                "padding of the dilated input",
                field="output_padding",
            )
        if output_size is not None:
            raise ctx.refuse("Flax ConvTranspose takes no output size", field="output_size")
        ek = effective_kernel(k, d)
        # ``lo``: what lax pads before the dilated input (the kernel is not flipped).
        if padding == "same":
            out = n * s
            lo = piecewise(s > ek - 1, ek - 1, ceil_div(ek + s - 2, 2))
            text = f"{_t(n)}*{_t(s)}"
        elif padding == "same_lower":
            # The forward convolution's SAME_LOWER at stride 1 (``check_layer``):
            # ek - 1 in total, the odd pixel before.
            out = n
            lo = ceil_div(ek - 1, 2)
            text = f"{render(n)} (same_lower)"
        elif padding == "circular":
            # lax VALID (n*s + e, e = max(ek - s, 0)), which Flax pads to whole periods
            # of n*s, ((size_diff + 1)//2 before, size_diff = -e mod 2ns), and sums:
            # output j collects VALID positions j + floor(e/2) (mod n*s).
            out = n * s
            before = floor_div(maximum(ek - s, 0), 2)
            full = transpose_full(n, ek, s)
            text = f"{_t(n)}*{_t(s)} (circular)"
            return AxisResult(out, (before, full - out - before), f"{text} = {render(out)}")
        elif padding == "valid":
            out = n * s + maximum(ek - s, 0)
            lo = ek - 1
            text = f"{_t(n)}*{_t(s)} + max({_t(ek)} - {_t(s)}, 0)"
        elif isinstance(padding, str):
            raise self.mode_error(
                ctx, "ConvTranspose", padding.upper(), ("VALID", "SAME", "SAME_LOWER", "CIRCULAR")
            )
        else:
            lo, hi = padding
            if getattr(ctx.spec, "use_consistent_padding", False):
                # lax.conv_transpose(use_consistent_padding=True): the pairs are the
                # forward convolution's padding, ek - 1 - p of the dilated input.
                lo, hi = ek - 1 - lo, ek - 1 - hi
            dilated = (n - 1) * s + 1
            negative_padding_fits(ctx, dilated, lo, hi, "Flax ConvTranspose", "dilated input")
            out = maximum((n - 1) * s + 2 - ek + lo + hi, 0)
            text = f"({_t(n)} - 1)*{_t(s)} + 2 - {_t(ek)} + {_t(lo)} + {_t(hi)}"
        ctx.require(out >= 1, lambda: f"Flax ConvTranspose output would be {render(out)}; {_EMPTY}")
        # As forward-convolution padding: the full output less what lax did not pad.
        full = transpose_full(n, ek, s)
        before = ek - 1 - lo
        return AxisResult(out, (before, full - out - before), f"{text} = {render(out)}")


def _each(value: Any) -> tuple[Any, ...]:
    return value if isinstance(value, tuple) else (value,)


def _dilated_input(ctx: AxisContext, n: Dim) -> Dim:
    """The input size after ``input_dilation`` (lhs/base dilation): ``(n - 1)*ld + 1``."""
    ld = ctx.at("input_dilation", 1)
    return n if is_int(ld) and ld == 1 else (n - 1) * ld + 1


def negative_padding_fits(
    ctx: AxisContext, n: Dim, before: Dim, after: Dim, what: str, of: str
) -> None:
    """lax convolutions raise (not return empty) when ``n + before + after < 0``;
    ``n`` is the size of the ``of`` axis they pad (transposed: the dilated input)."""
    if truth(n + before + after < 0) is True:
        raise ctx.refuse(
            f"{what}: the padding ({render(before)}, {render(after)}) removes more than the "
            f"{of} size {render(n)}; JAX raises 'Negative padding is larger than the size "
            f"of the corresponding dimension' (axis {ctx.axis})",
            field="padding",
        )
