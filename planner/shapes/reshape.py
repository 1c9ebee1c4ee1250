"""Layers that rearrange values without windows: ``flatten``, ``reshape``, ``dense``
(on the last axis) and global pooling."""

from __future__ import annotations

import math
from typing import Any

from planner.errors import ShapeError
from planner.shapes.results import LayerResult, to_data
from planner.shapes.tensor import Tensor
from planner.symbolic.ops import is_int, product, to_int


def need_spatial(layer: Any, x: Tensor) -> None:
    """Refuse a layer that works on spatial axes when its input has none."""
    if not x.spatial:
        raise ShapeError(
            f"a {layer.type} layer needs spatial axes, but its input has shape "
            f"{to_data(x.dims)} (flattened)",
            layer=layer.name,
        )


def flatten(x: Tensor) -> Tensor:
    return Tensor((product(x.dims),), x.channels_last)


def dense(layer: Any, x: Tensor, result: LayerResult) -> Tensor:
    last = x.dims[-1]
    result.params = last * layer.units + (layer.units if layer.use_bias else 0)
    return Tensor((*x.dims[:-1], layer.units), x.channels_last)


def global_pool(layer: Any, x: Tensor) -> Tensor:
    """Global pooling (every spatial axis to 1, dropped unless ``keepdims``), or
    adaptive pooling to ``output_size`` (``None`` keeps that axis' size)."""
    need_spatial(layer, x)
    if layer.output_size is not None:
        rank = len(x.spatial)
        sizes = layer.output_size if isinstance(layer.output_size, list) else [layer.output_size]
        if len(sizes) == 1:
            sizes = sizes * rank
        if len(sizes) != rank:
            raise ShapeError(
                f"output_size {layer.output_size} needs 1 or {rank} entries",
                layer=layer.name,
                field="output_size",
            )
        if rank == 1 and sizes[0] is None:
            # AdaptiveAvgPool1d/AdaptiveMaxPool1d take an int only.
            raise ShapeError(
                "1D adaptive pooling takes an output size, not None",
                layer=layer.name,
                field="output_size",
            )
        spatial = tuple(n if o is None else o for n, o in zip(x.spatial, sizes, strict=True))
        return x.with_spatial(spatial, x.channels)
    spatial = (1,) * len(x.spatial) if layer.keepdims else ()
    return (
        x.with_spatial(spatial, x.channels) if spatial else Tensor((x.channels,), x.channels_last)
    )


def reshape(layer: Any, x: Tensor) -> Tensor:
    """``target_shape`` with at most one ``-1``, which takes the remaining values."""
    target = list(layer.target_shape)
    total = product(x.dims)
    if target.count(-1) > 1:
        raise ShapeError(
            "target_shape may contain -1 only once", layer=layer.name, field="target_shape"
        )
    if any(t == 0 or t < -1 for t in target):
        raise ShapeError(
            f"target_shape entries must be >= 1 or -1, received {target}",
            layer=layer.name,
            field="target_shape",
        )
    known = math.prod(t for t in target if t != -1)
    if -1 in target:
        if is_int(total) and total % known:
            raise ShapeError(
                f"cannot reshape {total} values into {target}: {total} is not divisible by {known}",
                layer=layer.name,
                field="target_shape",
            )
        target[target.index(-1)] = (
            to_int(total // known) if is_int(total) else to_int(total / known)
        )
    elif is_int(total) and known != total:
        raise ShapeError(
            f"cannot reshape {to_data(x.dims)} ({total} values) into {target} ({known} values)",
            layer=layer.name,
            field="target_shape",
        )
    return Tensor(tuple(target), x.channels_last)
