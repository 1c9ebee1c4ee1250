"""Framework-neutral shape rules, one pure function each, per axis.

Each dialect composes these with its own defaults and refusals. ``n`` is the input
size on one axis, ``k`` the kernel, ``s`` the stride, ``d`` the dilation; every
argument may be an ``int`` or a sympy expression.
"""

from __future__ import annotations

from planner.symbolic.ops import Dim, ceil_div, floor_div, maximum, mod_gap, piecewise


def effective_kernel(k: Dim, d: Dim) -> Dim:
    """The span of a dilated kernel: ``(k - 1) * d + 1``."""
    return (k - 1) * d + 1


def window_out(n: Dim, ek: Dim, s: Dim, before: Dim, after: Dim) -> Dim:
    """Windows of span ``ek`` at stride ``s`` over the padded input.

    ``floor((n + before + after - ek) / s) + 1``
    """
    return floor_div(n + before + after - ek, s) + 1


def window_out_ceil(n: Dim, ek: Dim, s: Dim, before: Dim, after: Dim) -> Dim:
    """As ``window_out`` with ``ceil`` (pooling's ``ceil_mode``), before any clamp."""
    return ceil_div(n + before + after - ek, s) + 1


def same_total_pad(n: Dim, ek: Dim, s: Dim) -> Dim:
    """Total padding of TensorFlow-style ``'same'``: the output is ``ceil(n / s)``.

    ``max((ceil(n / s) - 1) * s + ek - n, 0)``, written with
    ``s*ceil(n/s) - n = (-n) mod s`` so that symbolic sizes give readable pads.
    """
    return maximum(mod_gap(n, s) + ek - s, 0)


def split_pad(total: Dim, extra_after: bool = True) -> tuple[Dim, Dim]:
    """Split a total padding; the odd pixel goes after (TF ``SAME``) or before."""
    small = floor_div(total, 2)
    big = total - small
    return (small, big) if extra_after else (big, small)


def transpose_full(n: Dim, ek: Dim, s: Dim) -> Dim:
    """The uncropped output of a transposed convolution: ``(n - 1) * s + ek``."""
    return (n - 1) * s + ek


def center_split(d: Dim, rule: str, may_pad: bool = False) -> tuple[Dim, Dim]:
    """Split ``d`` pixels to take off an axis (negative: to add) into ``(before,
    after)``, ``before + after == d``; the rule says where the odd pixel goes.

    - ``floor``: ``before = floor(d/2)``, as ``x[..., d//2 : d//2 + m]`` slices and
      ``F.pad(x, [-(d//2), -(d - d//2)])`` pads (any sign of ``d``);
    - ``ceil``: ``before = ceil(d/2)``;
    - ``round_half_even``: torchvision ``CenterCrop``'s ``int(round(d / 2))`` when
      ``d >= 0``, which is ``floor((d+1)/4) + floor((d+2)/4)`` (``d = 4j + r`` gives
      ``2j, 2j, 2j + 1, 2j + 2``); for ``d < 0`` (``may_pad``) it pads ``(-d)//2``
      before, i.e. ``before = ceil(d/2)``.

    >>> [center_split(d, "round_half_even") for d in (1, 3, 5, 6)]
    [(0, 1), (2, 1), (2, 3), (3, 3)]
    >>> center_split(-3, "floor", may_pad=True), center_split(-3, "round_half_even", True)
    ((-2, -1), (-1, -2))
    """
    if rule == "floor":
        before = floor_div(d, 2)
    elif rule == "ceil":
        before = ceil_div(d, 2)
    else:
        before = floor_div(d + 1, 4) + floor_div(d + 2, 4)
        if may_pad:
            before = piecewise(d >= 0, before, ceil_div(d, 2))
    return before, d - before
