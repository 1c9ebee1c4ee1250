"""Layers that keep or regroup values without windows: normalisation (layer, group,
instance), pixel shuffling, axis permutation, and the ``in_channels`` that PyTorch
code states (checked against the channels that arrive)."""

from __future__ import annotations

from typing import Any

from planner.dialects.base import optional
from planner.errors import ShapeError
from planner.shapes.reshape import need_spatial
from planner.shapes.results import LayerResult, to_data
from planner.shapes.tensor import Tensor
from planner.symbolic.ops import is_int, product, render


def check_in_channels(layer: Any, x: Tensor) -> None:
    """``in_channels`` (``in_features``, ``num_features``, ``num_channels``) as
    written must equal what the input brings: the channels, or the last axis of a
    dense layer's input."""
    expected = optional(layer, "in_channels")
    if expected is None:
        return
    got = x.dims[-1] if layer.type == "dense" else x.channels
    if is_int(got) and got != expected:
        what = "features on the last axis" if layer.type == "dense" else "channels"
        raise ShapeError(
            f"in_channels={expected}, but the input brings {render(got)} {what} "
            f"(shape {to_data(x.dims)})",
            layer=layer.name,
            field="in_channels",
        )


def normalization(layer: Any, x: Tensor, result: LayerResult) -> Tensor:
    """Shape unchanged. Parameters (scale and shift when ``affine``): per element of
    ``normalized_shape`` (PyTorch LayerNorm), per last-axis entry (Keras/Flax layer
    normalisation), per channel (group and instance normalisation)."""
    c = x.channels
    if layer.norm == "group":
        groups = layer.groups
        if groups is None:
            raise ShapeError("group normalisation needs groups", layer=layer.name, field="groups")
        if is_int(c) and c % groups:
            raise ShapeError(
                f"{render(c)} channels are not divisible by groups={groups}",
                layer=layer.name,
                field="groups",
            )
    per = c
    if layer.norm == "layer":
        shape = layer.normalized_shape
        if shape is None:
            per = x.dims[-1]
        else:
            shape = [shape] if isinstance(shape, int) else list(shape)
            tail = x.dims[len(x.dims) - len(shape) :] if len(shape) <= len(x.dims) else ()
            if len(tail) != len(shape) or any(
                is_int(a) and a != b for a, b in zip(tail, shape, strict=True)
            ):
                raise ShapeError(
                    f"normalized_shape {shape} must equal the input's trailing dims "
                    f"{to_data(x.dims)}",
                    layer=layer.name,
                    field="normalized_shape",
                )
            per = product(tuple(shape))
    result.params = 2 * per if layer.affine else 0
    return x


def pixel_shuffle(layer: Any, x: Tensor) -> Tensor:
    """``PixelShuffle(r)``: channels ``c / r**rank``, each spatial axis ``* r``;
    ``PixelUnshuffle(r)``: channels ``* r**rank``, each axis ``/ r`` (exactly)."""
    need_spatial(layer, x)
    r = layer.factor
    block = r ** len(x.spatial)
    c = x.channels
    if not layer.inverse:
        if is_int(c) and c % block:
            raise ShapeError(
                f"PixelShuffle({r}) needs channels divisible by {block}, received {render(c)}",
                layer=layer.name,
                field="factor",
            )
        return x.with_spatial(tuple(n * r for n in x.spatial), c // block)
    for n in x.spatial:
        if is_int(n) and n % r:
            raise ShapeError(
                f"PixelUnshuffle({r}) needs every spatial size divisible by {r}, received "
                f"{to_data(x.spatial)}",
                layer=layer.name,
                field="factor",
            )
    return x.with_spatial(tuple(n // r for n in x.spatial), c * block)


def permute(layer: Any, x: Tensor) -> Tensor:
    """Keras ``Permute(dims)``: output axis ``i`` is input axis ``dims[i]`` (1-based,
    the batch axis left out)."""
    dims = list(layer.dims)
    if sorted(dims) != list(range(1, len(x.dims) + 1)):
        raise ShapeError(
            f"dims {dims} must be a permutation of 1..{len(x.dims)} for an input of shape "
            f"{to_data(x.dims)}",
            layer=layer.name,
            field="dims",
        )
    return Tensor(tuple(x.dims[d - 1] for d in dims), x.channels_last)
