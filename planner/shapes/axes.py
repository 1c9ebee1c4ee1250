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
# Each layer class's fields with one entry per axis (read from the class once).
_AXIS_FIELDS: dict[type, tuple[str, ...]] = {}


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
    values = layer.__dict__  # one read of the layer (its attributes are slow to reach)
    mode = values.get("padding_mode", "zeros")
    unknowns = layer.has_unknowns
    view = Resolved(layer, resolve) if unknowns else layer
    rank = len(names)
    name = values["name"]
    # One context per axis computed (axes equal to an earlier one reuse its result).
    context = AxisContext(name, names[0], rank=rank, padding_mode=mode, spec=view)
    contexts = [context]
    if unknowns:
        dialect.check_layer(view, context)
    else:
        # Whole-layer checks read only the layer's own fields: decide them once.
        key = ("check", dialect.name, rank)
        memo = layer.memo
        verdict = memo.get(key, _UNCHECKED)
        if verdict is _UNCHECKED:
            try:
                dialect.check_layer(layer, context)
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
            context = AxisContext(name, names[i], rank=rank, padding_mode=mode, spec=view)
            contexts.append(context)
        axes.append(_axis(layer, values, dialect, resolve, context, n, i, unknowns))
    for ctx in contexts:
        if ctx.conditions:
            result.conditions.extend(ctx.conditions)
    first = axes[0]
    result.padding = [a.pad for a in axes] if first.pad is not None else None
    if printing():
        formula = first.formula
        for a in axes:
            if a.formula != formula:
                formula = "; ".join(f"{n}: {a.formula}" for n, a in zip(names, axes, strict=True))
                break
        result.formula = formula
    return x.with_spatial(
        tuple([a.size for a in axes]), channels(layer, x.channels, result, resolve)
    )


def _same_axis(layer: Any, sizes: tuple[Any, ...], i: int) -> int | None:
    """An earlier axis of the same integer size whose every per-axis entry (kernel,
    strides, dilation, padding...) equals axis ``i``'s, if there is one."""
    n = sizes[i]
    values = layer.__dict__
    cls = type(layer)
    fields = _AXIS_FIELDS.get(cls)
    if fields is None:
        fields = _AXIS_FIELDS[cls] = (*cls.per_axis_fields, *cls.pad_fields)
    for j in range(i):
        if type(sizes[j]) is int and sizes[j] == n:
            for f in fields:
                value = values[f]
                if type(value) is tuple and value[i] != value[j]:
                    break
            else:
                return j
    return None


def _axis(
    layer: Any,
    values: dict[str, Any],
    dialect: Dialect,
    resolve: Resolver,
    ctx: AxisContext,
    n: Dim,
    i: int,
    unknowns: bool,
) -> Any:
    """Axis ``i`` of ``layer`` (its fields ``values``) through the dialect's rule."""
    if unknowns:

        def at(f: str) -> Any:
            value = values[f]
            return None if value is None else resolve(value[i])
    else:

        def at(f: str) -> Any:
            value = values[f]
            return None if value is None else value[i]

    padding = values["padding"] if "padding" in layer.pad_fields else None
    if isinstance(padding, Unknown):
        padding = resolve(padding)
    if type(padding) is tuple:
        padding = tuple([resolve(p) for p in padding[i]]) if unknowns else padding[i]
    kind = values["type"]
    if kind in _CONV_TYPES:
        return dialect.conv_axis(ctx, n, at("kernel_size"), at("strides"), at("dilation"), padding)
    if kind in _POOL_TYPES:
        k = at("pool_size")
        s = at("strides") if values["strides"] is not None else dialect.pool_stride(k)
        ceil_mode = values["ceil_mode"]
        if unknowns:
            ceil_mode = resolve(ceil_mode)
        if not isinstance(ceil_mode, bool):
            raise SpecError("ceil_mode must be true or false here", field="ceil_mode")
        return dialect.pool_axis(
            ctx, n, k, s, at("dilation"), padding, ceil_mode, "max" if kind == "max_pool" else "avg"
        )
    if kind == "upsample":
        return dialect.upsample_axis(ctx, n, at("scale"), at("output_size"))
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
    if kind == "zero_padding":
        before, after = padding
        return dialect.zero_pad_axis(ctx, n, before, after)
    if kind == "cropping":
        crop = values["cropping"][i]
        return dialect.crop_axis(ctx, n, resolve(crop[0]), resolve(crop[1]))
    raise ShapeError(f"no shape rule for layer type {kind!r}", layer=layer.name)


_CONV_TYPES = frozenset(("conv", "depthwise_conv", "separable_conv"))
_POOL_TYPES = frozenset(("max_pool", "avg_pool"))
