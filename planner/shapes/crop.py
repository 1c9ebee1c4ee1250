"""``crop_to``: the input cropped (or padded) on every spatial axis to the size of
another layer, ``like``, read at run time; the channels stay the input's."""

from __future__ import annotations

from typing import Any

from planner.dialects import AxisContext, Dialect
from planner.errors import ShapeError
from planner.shapes.reshape import need_spatial
from planner.shapes.results import LayerResult, to_data
from planner.shapes.tensor import Tensor
from planner.symbolic.ops import printing


def crop_to(
    layer: Any,
    x: Tensor,
    ref: Tensor,
    dialect: Dialect,
    names: tuple[str, ...],
    result: LayerResult,
) -> Tensor:
    """``x`` with the spatial size of ``ref``; per-side amounts in ``result.padding``
    (negative: cropped), requirements on symbols in ``result.conditions``."""
    need_spatial(layer, x)
    if len(ref.spatial) != len(x.spatial):
        raise ShapeError(
            f"'{layer.like}' has shape {to_data(ref.dims)} with {len(ref.spatial)} spatial "
            f"axes; the input has {len(x.spatial)}",
            layer=layer.name,
            field="like",
        )
    axes = []
    for n, m, name in zip(x.spatial, ref.spatial, names, strict=True):
        ctx = AxisContext(layer.name, name, rank=len(names))
        axes.append(dialect.crop_to_axis(ctx, n, m, layer.like, layer.split, layer.mode))
        result.conditions.extend(ctx.conditions)
    result.padding = [a.pad for a in axes]
    if printing():
        formulas = [a.formula for a in axes]
        result.formula = (
            formulas[0]
            if len(set(formulas)) == 1
            else "; ".join(f"{n}: {f}" for n, f in zip(names, formulas, strict=True))
        )
    return x.with_spatial(tuple(a.size for a in axes), x.channels)
