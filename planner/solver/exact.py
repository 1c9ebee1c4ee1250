"""Which strided layers drop input pixels to the floor.

A window layer with output ``out``, stride ``s``, span ``ek`` and ``before`` padding
covers input positions up to ``(out - 1)*s + ek - before`` (exclusive). Real pixels
past that, ``n - ((out - 1)*s + ek - before)`` when positive, are never seen: the
remainder that ``floor`` throws away. A network is *exact* when that is 0 everywhere.
"""

from __future__ import annotations

from typing import Any

from planner.dialects import Dialect
from planner.shapes import LayerResult, Resolver
from planner.symbolic.ops import Dim

WINDOW_TYPES = ("conv", "depthwise_conv", "separable_conv", "max_pool", "avg_pool")


def dropped_pixels(
    layer: Any, dialect: Dialect, values: Any, in_spatial: tuple[Dim, ...], result: LayerResult
) -> list[Dim]:
    """Pixels each axis leaves unseen at its end (<= 0 means none); [] if not a window."""
    if layer.type not in WINDOW_TYPES or result.padding is None:
        return []
    resolve = Resolver(values)
    kernel = layer.pool_size if layer.type in ("max_pool", "avg_pool") else layer.kernel_size
    out = []
    for i, n in enumerate(in_spatial):
        k = resolve(kernel[i])
        d = resolve(layer.dilation[i])
        s = resolve(layer.strides[i]) if layer.strides is not None else dialect.pool_stride(k)
        ek = (k - 1) * d + 1
        before = result.padding[i][0]
        out.append(n - ((result.spatial[i] - 1) * s + ek - before))
    return out
