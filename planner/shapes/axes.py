"""Layers with per-axis rules (convolutions, pooling, resampling, padding, cropping):
each spatial axis goes to the dialect, which gives the size, the per-side padding and
the derivation; the channels come from ``channels``."""

from __future__ import annotations

from typing import Any

from planner.dialects import AxisContext, Dialect
from planner.errors import PlannerError, ShapeError, SpecError
from planner.shapes.channels import channels
from planner.shapes.reshape import need_spatial
from planner.shapes.resolve import Resolved, Resolver
from planner.shapes.results import LayerResult
from planner.shapes.tensor import Tensor
from planner.spec.values import Unknown
from planner.symbolic.ops import Dim, printing

_UNCHECKED = object()


def spatial_layer(
    layer: Any,
    x: Tensor,
    dialect: Dialect,
    resolve: Resolver,
    names: tuple[str, ...],
    result: LayerResult,
) -> Tensor:
    """The output of a layer with per-axis rules; fills ``result``'s padding,
    formula, conditions and parameters."""
    sizes = x.spatial
    if not sizes:
        need_spatial(layer, x)
    mode = layer.__dict__.get("padding_mode", "zeros")
    unknowns = layer.has_unknowns
    view = Resolved(layer, resolve) if unknowns else layer
    rank = len(names)
    # One context per axis computed (axes equal to an earlier one reuse its result).
    contexts = [AxisContext(layer.name, names[0], rank=rank, padding_mode=mode, spec=view)]
    if unknowns:
        dialect.check_layer(view, contexts[0])
    else:
        # Whole-layer checks read only the layer's own fields: decide them once.
        key = ("check", dialect.name, rank)
        memo = layer.memo
        verdict = memo.get(key, _UNCHECKED)
        if verdict is _UNCHECKED:
            try:
                dialect.check_layer(layer, contexts[0])
                verdict = None
            except PlannerError as exc:
                verdict = exc
            memo[key] = verdict
        if verdict is not None:
            raise verdict
    axes: list[Any] = []
    for i, n in enumerate(sizes):
        if i:
            # Axes with the same size and the same parameters give the same result (a
            # square input through a square kernel): compute it once.
            same = None if unknowns or type(n) is not int else _same_axis(layer, sizes, i)
            if same is not None:
                axes.append(axes[same])
                continue
            contexts.append(
                AxisContext(layer.name, names[i], rank=rank, padding_mode=mode, spec=view)
            )
        axes.append(_axis(layer, dialect, resolve, contexts[-1], n, i))
    for ctx in contexts:
        if ctx.conditions:
            result.conditions.extend(ctx.conditions)
    spatial = tuple([a.size for a in axes])
    result.padding = [a.pad for a in axes] if axes[0].pad is not None else None
    if printing():
        formulas = [a.formula for a in axes]
        if len(set(formulas)) == 1:
            result.formula = formulas[0]
        else:
            result.formula = "; ".join(f"{n}: {f}" for n, f in zip(names, formulas, strict=True))
    return x.with_spatial(spatial, channels(layer, x.channels, result, resolve))


def _same_axis(layer: Any, sizes: tuple[Any, ...], i: int) -> int | None:
    """An earlier axis of the same integer size whose every per-axis entry (kernel,
    strides, dilation, padding...) equals axis ``i``'s, if there is one."""
    n = sizes[i]
    values = layer.__dict__
    columns = [
        value
        for f in (*layer.per_axis_fields, *layer.pad_fields)
        if isinstance(value := values[f], tuple)
    ]
    for j in range(i):
        if type(sizes[j]) is int and sizes[j] == n:
            for column in columns:
                if column[i] != column[j]:
                    break
            else:
                return j
    return None


def _axis(layer: Any, dialect: Dialect, resolve: Resolver, ctx: AxisContext, n: Dim, i: int) -> Any:
    unknowns = layer.has_unknowns
    if unknowns:

        def at(f: str) -> Any:
            value = getattr(layer, f)
            return None if value is None else resolve(value[i])
    else:

        def at(f: str) -> Any:
            value = getattr(layer, f)
            return None if value is None else value[i]

    padding = layer.padding if "padding" in layer.pad_fields else None
    if isinstance(padding, Unknown):
        padding = resolve(padding)
    if isinstance(padding, tuple):
        padding = tuple([resolve(p) for p in padding[i]]) if unknowns else padding[i]
    kind = layer.type
    if kind in ("conv", "depthwise_conv", "separable_conv"):
        return dialect.conv_axis(ctx, n, at("kernel_size"), at("strides"), at("dilation"), padding)
    if kind == "conv_transpose":
        return dialect.conv_transpose_axis(
            ctx,
            n,
            at("kernel_size"),
            at("strides"),
            at("dilation"),
            padding,
            at("output_padding"),
            at("output_size"),
        )
    if kind in ("max_pool", "avg_pool"):
        k = at("pool_size")
        s = at("strides") if layer.strides is not None else dialect.pool_stride(k)
        ceil_mode = resolve(layer.ceil_mode)
        if not isinstance(ceil_mode, bool):
            raise SpecError("ceil_mode must be true or false here", field="ceil_mode")
        return dialect.pool_axis(
            ctx, n, k, s, at("dilation"), padding, ceil_mode, "max" if kind == "max_pool" else "avg"
        )
    if kind == "upsample":
        return dialect.upsample_axis(ctx, n, at("scale"), at("output_size"))
    if kind == "zero_padding":
        before, after = padding
        return dialect.zero_pad_axis(ctx, n, before, after)
    if kind == "cropping":
        crop = layer.cropping[i]
        return dialect.crop_axis(ctx, n, resolve(crop[0]), resolve(crop[1]))
    raise ShapeError(f"no shape rule for layer type {kind!r}", layer=layer.name)
