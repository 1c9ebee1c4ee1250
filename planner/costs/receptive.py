"""Receptive fields, one rule per kind of layer, on one spatial axis.

Position ``i`` of a tensor sees the input pixels ``lo(i)..hi(i)``: the first and the
last input pixel that can change its value. The map is followed through the
network as if the input went on beyond its border (padding positions are mapped
where the input would continue), so the figures do not depend on where a pixel
is, and are exact away from the borders.

Through convolutions and pooling the map is affine: ``lo(i) = start + i * jump`` and
``hi(i) = lo(i) + size - 1`` (the classic recurrence: ``size += (ek - 1) * jump``,
``jump *= stride``, ``start -= pad_before * jump``). Transposed convolutions and
upsampling make it periodic: position ``i`` of a 2x upsampled tensor sees what
position ``i // 2`` saw. So a map is kept as one period of ``P`` positions plus the
shift ``P * jump`` (an integer) that carries it to the next period; ``jump`` may be a
fraction (1/2 after a 2x upsampling). A position may see nothing (a zero inserted
by a transposed convolution whose kernel is shorter than its stride): ``None``.

The **receptive field** of a layer is the largest ``hi(i) - lo(i) + 1`` over its
positions; a merge sees the union of its branches. Values are ``int`` or, when an
input size is a symbol and a padding depends on it, sympy expressions.

>>> m = identity()
>>> m = window(m, k=3, s=1, d=1, before=0)      # 3x3 valid conv
>>> m = window(m, k=2, s=2, d=1, before=0)      # 2x2 pool
>>> m = window(m, k=3, s=1, d=1, before=0)
>>> size(m), m.jump, m.at(0)
(8, Fraction(2, 1), (0, 7))
>>> up = nearest(m, 2)                          # each position seen twice
>>> size(up), up.jump, up.at(1)
(8, Fraction(1, 1), (0, 7))
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, NamedTuple

from planner.symbolic.ops import Dim, is_int, maximum, minimum, to_int

Span = tuple[Dim, Dim] | None


class Unmapped(Exception):
    """The map cannot be followed through a layer (said why, in ``args[0]``)."""


class AxisMap(NamedTuple):
    """One period of ``(lo, hi)`` per position, and the shift to the next period.
    (A named tuple: a network makes one or more a layer, and a tuple is quick to
    make.)"""

    spans: tuple[Span, ...]
    shift: Any  # an int (a symbol only when a stride is one)
    whole: bool = False  # the layer mixes every position (dense, global pool)

    @property
    def period(self) -> int:
        return len(self.spans)

    @property
    def jump(self) -> Fraction:
        """Input pixels between neighbouring positions (the effective stride)."""
        return Fraction(self.shift, self.period)

    def at(self, i: Dim) -> Span:
        """``(lo, hi)`` of position ``i`` (any integer, negative too)."""
        if self.period == 1:
            base = self.spans[0]
            if base is None:
                return None
            return (to_int(base[0] + i * self.shift), to_int(base[1] + i * self.shift))
        if not is_int(i):
            raise Unmapped(
                f"position {i} depends on a symbol and the map repeats every {self.period} "
                "positions; give the input size a number"
            )
        q, r = divmod(i, self.period)
        span = self.spans[r]
        if span is None:
            return None
        return (to_int(span[0] + q * self.shift), to_int(span[1] + q * self.shift))


def _need_ints(*values: Any) -> None:
    for value in values:
        if not is_int(value):
            raise Unmapped(
                "a kernel, stride or dilation is unknown after an upsampling; give it a value"
            )


def identity() -> AxisMap:
    """The network input: pixel ``i`` sees itself."""
    return AxisMap(((0, 0),), 1)


WHOLE = AxisMap(((0, 0),), 0, whole=True)


def _cover(spans: list[Span]) -> Span:
    """The union of the spans that exist (an extent: from the least start to the
    greatest end). Spans are not ordered: a transposed convolution whose kernel is
    longer than its stride sends a later input to an earlier output."""
    seen = [s for s in spans if s is not None]
    if not seen:
        return None
    lo, hi = seen[0]
    for a, b in seen[1:]:
        lo, hi = minimum(lo, a), maximum(hi, b)
    return to_int(lo), to_int(hi)


def _plain(m: AxisMap, *values: Any) -> bool:
    """Whether the map's spans and shift, and ``values``, are all plain ints: then
    ``_covers`` gives what ``_cover`` of ``m.at`` gives, in integer arithmetic."""
    if type(m.shift) is not int:
        return False
    for value in values:
        if type(value) is not int:
            return False
    for span in m.spans:
        if span is not None and (type(span[0]) is not int or type(span[1]) is not int):
            return False
    return True


def _covers(m: AxisMap, firsts: Any, k: int, d: int) -> tuple[Span, ...]:
    """``_cover([m.at(i) for i in taps])`` for the taps ``f, f + d, ..., f + (k-1)*d``
    of each ``f`` in ``firsts``, for a map of plain ints and integer positions
    (``_plain``), without the generic arithmetic: most of ``planner.cost`` on a large
    network."""
    spans = m.spans
    period = len(spans)
    shift = m.shift
    out: list[Span] = []
    for first in firsts:
        lo = hi = None
        for i in range(first, first + (k - 1) * d + 1, d):
            span = spans[i % period]
            if span is not None:
                q = (i // period) * shift
                start, end = span[0] + q, span[1] + q
                if lo is None or start < lo:
                    lo = start
                if hi is None or end > hi:
                    hi = end
        out.append(None if lo is None or hi is None else (lo, hi))
    return tuple(out)


def window(m: AxisMap, k: int, s: int, d: int, before: Dim) -> AxisMap:
    """A convolution or pooling window: ``k`` taps ``d`` apart, stride ``s``, after
    ``before`` pixels of padding. Output ``o`` reads ``o*s - before + t*d``."""
    if m.whole:
        return m
    if m.period == 1:
        # Affine: the first tap's start and the last tap's end (any of k, s, d may
        # be a symbol here).
        first, last = m.at(-before), m.at((k - 1) * d - before)
        span = None if first is None or last is None else (first[0], last[1])
        return AxisMap((span,), to_int(m.shift * s))
    _need_ints(k, s, d)
    period = m.period // math.gcd(m.period, s)
    if _plain(m, before):
        spans = _covers(m, range(-before, period * s - before, s), k, d)
    else:
        windows = ([o * s - before + t * d for t in range(k)] for o in range(period))
        spans = tuple(_cover([m.at(i) for i in window]) for window in windows)
    return AxisMap(spans, m.shift * (s // math.gcd(m.period, s)))


def transpose(m: AxisMap, k: int, s: int, d: int, crop_before: Dim) -> AxisMap:
    """A transposed convolution: input ``i`` lands on ``i*s + t*d`` of the full output,
    of which the first ``crop_before`` positions are cut."""
    if m.whole:
        return m
    _need_ints(k, s, d)
    if s > 1 and not is_int(crop_before):
        raise Unmapped(f"the crop {crop_before} depends on a symbol; give the input a number")
    spans = []
    for o in range(m.period * s):
        f = o + crop_before
        ins = [(f - t * d) // s for t in range(k) if s == 1 or (f - t * d) % s == 0]
        spans.append(_cover([m.at(i) for i in ins]))
    return AxisMap(tuple(spans), m.shift)


def shifted(m: AxisMap, before: Dim) -> AxisMap:
    """Padding (``before > 0``) or cropping (``before < 0``): output ``o`` is input
    ``o - before``."""
    if m.whole:
        return m
    return AxisMap(tuple(m.at(o - before) for o in range(m.period)), m.shift)


def nearest(m: AxisMap, scale: int) -> AxisMap:
    """Nearest upsampling by an integer factor: output ``o`` is input ``o // scale``."""
    if m.whole:
        return m
    if _plain(m, scale):
        return AxisMap(_covers(m, [o // scale for o in range(m.period * scale)], 1, 1), m.shift)
    return AxisMap(tuple(m.at(o // scale) for o in range(m.period * scale)), m.shift)


def linear(m: AxisMap, scale: int) -> AxisMap:
    """(Bi/tri)linear upsampling by an integer factor with half-pixel centres
    (``align_corners=False``, Keras and PyTorch alike): output ``o`` samples
    ``(o + 0.5) / scale - 0.5`` and weighs the two inputs around it; the second only
    when it is not hit exactly (its weight is then 0)."""
    if m.whole:
        return m
    spans = []
    for o in range(m.period * scale):
        num = 2 * o + 1 - scale  # source position * 2 * scale
        lo = num // (2 * scale)
        ins = [lo, lo + 1] if num % (2 * scale) else [lo]
        spans.append(_cover([m.at(i) for i in ins]))
    return AxisMap(tuple(spans), m.shift)


def union(maps: list[AxisMap]) -> AxisMap:
    """A merge: each position sees what it sees in any branch."""
    if any(m.whole for m in maps):
        return WHOLE
    jumps = {m.jump for m in maps}
    if len(jumps) > 1:
        raise Unmapped(
            "the merged branches step through the input at different rates ("
            + ", ".join(str(j) for j in sorted(jumps))
            + " pixels per position)"
        )
    period = math.lcm(*(m.period for m in maps))
    spans = tuple(_cover([m.at(o) for m in maps]) for o in range(period))
    return AxisMap(spans, int(maps[0].jump * period))


def size(m: AxisMap, whole: Dim | None = None) -> Dim | None:
    """The receptive field: the widest span of any position (``whole``, the input
    size, for layers that see everything)."""
    if m.whole:
        return whole
    out = None
    for span in m.spans:
        if span is not None:
            width = to_int(span[1] - span[0] + 1)
            out = width if out is None else maximum(out, width)
    return out


def centre(m: AxisMap) -> Any:
    """The centre of the first position's span (a half pixel for even spans)."""
    span = None if m.whole else m.spans[0]  # m.at(0)
    if span is None:
        return None
    total = to_int(span[0] + span[1])
    if is_int(total):
        return total // 2 if total % 2 == 0 else Fraction(total, 2)
    return total / 2


def figures(m: AxisMap, whole: Dim) -> tuple[Dim | None, Fraction, Any]:
    """``(size(m, whole), m.jump, centre(m))``: what a layer reports of one axis."""
    return size(m, whole), m.jump, centre(m)
