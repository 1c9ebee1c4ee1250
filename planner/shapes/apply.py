"""One layer on its input tensors: dispatch by layer type to the rule that owns it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from planner.dialects import Dialect
from planner.shapes.axes import spatial_layer
from planner.shapes.crop import crop_to
from planner.shapes.features import check_in_channels, normalization, permute, pixel_shuffle
from planner.shapes.merge import merge
from planner.shapes.reshape import dense, flatten, global_pool, reshape
from planner.shapes.resolve import Resolver
from planner.shapes.results import LayerResult
from planner.shapes.tensor import Tensor


def apply(
    layer: Any,
    ins: list[Tensor],
    dialect: Dialect,
    resolve: Resolver,
    names: tuple[str, ...],
    result: LayerResult,
) -> Tensor:
    """The output tensor of ``layer`` on ``ins``, its input tensors followed by those
    of its references (``layer.sources``); fills ``result``; raises ``PlannerError``."""
    x = ins[0]
    kind = layer.__dict__["type"]
    check_in_channels(layer, x)
    if kind in SPATIAL_TYPES:  # the most common layers first
        return spatial_layer(layer, x, dialect, resolve, names, result)
    if kind == "activation":
        result.params = dialect.activation_params(layer, x.dims)
        return x
    if kind == "dropout":
        return x
    if kind == "batch_norm":
        result.params = dialect.batch_norm_params(layer, x.channels)
        return x
    if kind in ("concatenate", "add"):
        return merge(layer, ins, names, result, dialect)
    if kind == "flatten":
        return flatten(x)
    if kind == "dense":
        return dense(layer, x, result)
    if kind == "reshape":
        return reshape(layer, x)
    if kind == "global_pool":
        return global_pool(layer, x)
    if kind == "norm":
        return normalization(layer, x, result)
    if kind == "pixel_shuffle":
        return pixel_shuffle(layer, x)
    if kind == "permute":
        return permute(layer, x)
    if kind == "crop_to":
        return crop_to(layer, x, ins[1], dialect, names, result)
    return spatial_layer(layer, x, dialect, resolve, names, result)


# The layer types with a rule per spatial axis (``spatial_layer``).
SPATIAL_TYPES = frozenset(
    (
        "conv",
        "depthwise_conv",
        "separable_conv",
        "conv_transpose",
        "max_pool",
        "avg_pool",
        "upsample",
        "zero_padding",
        "cropping",
    )
)


def apply_layer(
    layer: Any,
    ins: list[Tensor],
    dialect: Dialect,
    values: Mapping[str, Any],
    names: tuple[str, ...],
) -> tuple[Tensor, LayerResult]:
    """One layer on given input tensors (the solver's step); raises ``PlannerError``."""
    result = LayerResult(layer.name, layer.type, list(layer.inputs))
    out = apply(layer, ins, dialect, Resolver(values), names, result)
    result.output_shape = out.dims
    result.spatial = out.spatial
    return out, result
