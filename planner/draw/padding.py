"""One layer's padding as a picture: per spatial axis, a strip of cells (padding
before, the input, padding after) and the kernel windows below it, one per output
position, each marking the cells it reads (with dilation, every ``d``-th cell).

Long axes are shortened: the first and last windows are drawn and the middle is
elided (``…``), so the picture stays readable for 572-pixel inputs.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from planner.errors import SpecError

if TYPE_CHECKING:
    from planner.spec.network import Network

CELL, GAP, ROW = 16, 2, 10
SHOWN = 6  # windows drawn at each end of a long axis
PAD_FILL, IN_FILL, WIN = "#ffe0b2", "#e3f2fd", "#1565c0"


def padding_svg(net: Network, name: str) -> str:
    """An SVG of layer ``name``'s padding: input cells, padding cells per side,
    kernel windows.

    >>> import planner
    >>> svg = padding_svg(planner.load("keras-autoencoder"), "conv2d")
    >>> svg.count('class="pad"')  # 1 cell before and after, on H and on W
    4
    """
    from planner.draw import FONT
    from planner.shapes import infer
    from planner.shapes.tensor import axis_names

    layer = net.layer(name)
    kernel = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
    if kernel is None or layer.type == "conv_transpose":
        raise SpecError(
            f"a padding diagram shows convolutions and pooling; {name} is a {layer.type}",
            layer=name,
        )
    result = infer(net)
    r = result[name]
    if r.error or r.padding is None:
        raise SpecError(f"has no resolved padding to draw ({r.error})", layer=name)
    source = layer.inputs[0]
    in_shape = net.input_shape if source == net.input_name else result[source].output_shape
    in_spatial = list(in_shape[:-1]) if net.channels_last else list(in_shape[1:])
    if not all(isinstance(d, int) for d in [*in_spatial, *r.spatial]):
        raise SpecError("a padding diagram needs concrete sizes; give --input", layer=name)
    strides = layer.strides
    if strides is None:
        from planner.dialects import get_dialect

        strides = get_dialect(net.framework).pool_stride(kernel)
    dilation = getattr(layer, "dilation", None) or (1,) * len(kernel)
    letters = axis_names(len(kernel))
    rows: list[str] = []
    y = 48
    width = 0.0
    for axis, (n, (before, after), k, s, d, out) in enumerate(
        zip(in_spatial, r.padding, kernel, strides, dilation, r.spatial, strict=True)
    ):
        svg, w, h = _axis(letters[axis], int(n), int(before), int(after), k, s, d, int(out), y)
        rows.append(svg)
        width = max(width, w)
        y += h + 28
    title = (
        f"{name} ({layer.type}, {net.framework}): padding {_mode(layer.padding)}; "
        f"per side (before|after) "
        + ", ".join(f"{letters[i]} {b}|{a}" for i, (b, a) in enumerate(r.padding))
    )
    width = max(width + 40, 8 * len(title) + 40)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{y:.0f}" '
        f'viewBox="0 0 {width:.0f} {y:.0f}" font-family="{FONT}">\n'
        f'<rect width="100%" height="100%" fill="#ffffff"/>\n'
        f'<text x="20" y="24" font-size="14" font-weight="bold">{escape(title)}</text>\n'
        + "\n".join(rows)
        + "\n</svg>\n"
    )


def _mode(padding: Any) -> str:
    return f"'{padding}'" if isinstance(padding, str) else "explicit"


def _axis(
    letter: str, n: int, before: int, after: int, k: int, s: int, d: int, out: int, y0: float
) -> tuple[str, float, float]:
    """One axis: cells ``-before .. n + after - 1`` and ``out`` windows."""
    windows = list(range(out))
    elided = out > 2 * SHOWN
    if elided:
        windows = [*range(SHOWN), *range(out - SHOWN, out)]
    # Cells to draw: those the drawn windows touch, plus the padding; elide the rest.
    needed = set(range(-before, 0)) | set(range(n, n + after))
    for i in windows:
        start = i * s - before
        needed |= {start + j * d for j in range(k)}
    needed |= set(range(0, min(n, 4))) | set(range(max(0, n - 4), n))
    cells = sorted(c for c in needed if -before <= c < n + after)
    x_of: dict[int, float] = {}
    x = 40.0
    prev = None
    parts = [f'<text x="10" y="{y0 + 12:.0f}" font-size="13" font-weight="bold">{letter}</text>']
    for c in cells:
        if prev is not None and c != prev + 1:
            parts.append(f'<text x="{x + 2:.0f}" y="{y0 + 12:.0f}" font-size="12">…</text>')
            x += CELL
        x_of[c] = x
        pad = c < 0 or c >= n
        cls, fill = ("pad", PAD_FILL) if pad else ("cell", IN_FILL)
        parts.append(
            f'<rect class="{cls}" data-index="{c}" x="{x:.0f}" y="{y0:.0f}" width="{CELL}" '
            f'height="{CELL}" fill="{fill}" stroke="#888" stroke-width="0.6"/>'
        )
        x += CELL + GAP
        prev = c
    width = x
    y = y0 + CELL + 6
    for row, i in enumerate(windows):
        if elided and row == SHOWN:
            parts.append(
                f'<text x="40" y="{y + 8:.0f}" font-size="12">… {out - 2 * SHOWN} more windows</text>'
            )
            y += ROW + 2
        taps = [i * s - before + j * d for j in range(k)]
        xs = [x_of[t] for t in taps if t in x_of]
        if not xs:
            continue
        parts.append(
            f'<line class="window" data-output="{i}" x1="{xs[0]:.0f}" y1="{y + 4:.0f}" '
            f'x2="{xs[-1] + CELL:.0f}" y2="{y + 4:.0f}" stroke="{WIN}" stroke-width="1"/>'
        )
        for tx in xs:
            parts.append(
                f'<rect x="{tx + 3:.0f}" y="{y + 1:.0f}" width="{CELL - 6}" height="6" '
                f'fill="{WIN}"/>'
            )
        y += ROW
    note = (
        f"{n} input cells, {before} padding before, {after} after; kernel {k}, stride {s}"
        + (f", dilation {d}" if d != 1 else "")
        + f" -> {out} outputs"
    )
    parts.append(f'<text x="40" y="{y + 14:.0f}" font-size="11" fill="#333">{escape(note)}</text>')
    return "\n".join(parts), width, y + 18 - y0
