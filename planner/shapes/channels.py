"""Channels out and learned parameters of the convolutions.

Both depend on the kernel, the filters, the groups and the channels in, never on
padding or strides, so for a concrete channel count they are computed once per layer
and kept in the layer's memo.
"""

from __future__ import annotations

import math
from typing import Any

from planner.errors import ShapeError
from planner.shapes.resolve import Resolver
from planner.shapes.results import LayerResult
from planner.spec.values import Unknown
from planner.symbolic.ops import Dim, is_int, product, to_int

CONV_TYPES = ("conv", "conv_transpose", "depthwise_conv", "separable_conv")


def channels(layer: Any, cin: Dim, result: LayerResult, resolve: Resolver) -> Dim:
    """The channels out of ``layer`` for ``cin`` channels in; sets ``result.params``
    for the convolutions (other layers keep their channels)."""
    if layer.type not in CONV_TYPES:
        return cin
    cacheable = type(cin) is int and (
        not layer.has_unknowns or not any(isinstance(k, Unknown) for k in layer.kernel_size)
    )
    if cacheable and cin in layer.memo:
        cout, result.params = layer.memo[cin]
        return cout
    cout = _compute(layer, cin, result, resolve)
    if cacheable:
        layer.memo[cin] = (cout, result.params)
    return cout


def _compute(layer: Any, cin: Dim, result: LayerResult, resolve: Resolver) -> Dim:
    kind = layer.type
    kernel = layer.kernel_size
    # Without unknowns the kernel holds ints already (resolving would keep each one).
    kprod = math.prod(kernel) if not layer.has_unknowns else product(tuple(map(resolve, kernel)))
    if kind == "depthwise_conv":
        cout = cin * layer.depth_multiplier
        result.params = kprod * cout + (cout if layer.use_bias else 0)
        return cout
    if kind == "separable_conv":
        mid = cin * layer.depth_multiplier
        result.params = kprod * mid + mid * layer.filters + (layer.filters if layer.use_bias else 0)
        return layer.filters
    groups = layer.groups
    if is_int(cin) and cin % groups:
        raise ShapeError(
            f"{cin} input channels are not divisible by groups={groups}",
            layer=layer.name,
            field="groups",
        )
    if layer.filters % groups:
        raise ShapeError(
            f"filters={layer.filters} is not divisible by groups={groups}",
            layer=layer.name,
            field="groups",
        )
    if kind == "conv":
        weights = kprod * (cin // groups if is_int(cin) else cin / groups) * layer.filters
    else:
        weights = kprod * cin * (layer.filters // groups)
    result.params = to_int(weights) + (layer.filters if layer.use_bias else 0)
    return layer.filters
