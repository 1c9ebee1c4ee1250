"""The architecture picture: boxes for layers, arrows for the tensors between them.

Layout. Each layer's *level* is how many halvings its output is below the input
(``floor(log2(input / output))`` on the first spatial axis). A network whose level
goes down and comes back up and that has skips is a U-Net: consecutive layers on
one level form a *stage*, stages go left to right, and each stage sits in the row
band of its level, so the encoder descends, the decoder rises, and each skip is an
arrow across the U. Every other network is one column, top to bottom, with skips
curving on the right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.spec.network import Network

BOX_W, BOX_H, V_GAP, COL_GAP, MARGIN, HEADER = 196, 36, 12, 56, 24, 44
OK_FILL, OK_STROKE = "#eef4fb", "#4a6f96"
BAD_FILL, BAD_STROKE = "#fde0e0", "#c62828"
SKIP = "#2e7d32"


@dataclass
class Box:
    name: str
    kind: str
    shape: str
    error: str | None
    inputs: list[str]
    level: int = 0
    x: float = 0.0
    y: float = 0.0
    column: int = 0


@dataclass
class Layout:
    boxes: list[Box]
    u_shape: bool
    width: float = 0.0
    height: float = 0.0
    by_name: dict[str, Box] = field(default_factory=dict)


def network_svg(net: Network) -> str:
    """An SVG picture of ``net`` (see the module docstring for the layout).

    >>> import planner
    >>> svg = network_svg(planner.load("unet-original"))
    >>> svg.count('class="layer"'), 'data-from="conv4" data-to="crop6"' in svg
    (36, True)
    """
    layout = layout_network(net)
    return _render(net, layout)


def layout_network(net: Network) -> Layout:
    from planner.shapes import infer

    result = infer(net)
    first = net.spatial_input[0] if net.spatial_input else None
    boxes = [
        Box(net.input_name, "input", _shape(tuple(net.input_shape)), None, [], 0),
    ]
    level = 0
    for layer in net.layers:
        r = result[layer.name]
        spatial = r.spatial[0] if r.spatial else None
        if isinstance(first, int) and isinstance(spatial, int) and spatial > 0 and r.output_shape:
            level = max(0, math.floor(math.log2(first / spatial) + 1e-9))
        shape = _shape(r.output_shape) if r.output_shape is not None else "?"
        boxes.append(Box(layer.name, layer.type, shape, r.error, list(layer.inputs or []), level))
    by_name = {b.name: b for b in boxes}
    order = {b.name: i for i, b in enumerate(boxes)}
    skips = any(order[i] != order[b.name] - 1 for b in boxes for i in b.inputs)
    levels = [b.level for b in boxes]
    deepest = levels.index(max(levels))
    rises = any(lv < max(levels) for lv in levels[deepest:])
    layout = Layout(boxes, u_shape=bool(skips and rises and max(levels) > 0), by_name=by_name)
    if layout.u_shape:
        _u_layout(layout)
    else:
        _stack_layout(layout)
    return layout


def _stack_layout(layout: Layout) -> None:
    for i, box in enumerate(layout.boxes):
        box.x = MARGIN
        box.y = HEADER + i * (BOX_H + V_GAP)
    layout.width = MARGIN * 2 + BOX_W + 160  # room for skip curves on the right
    layout.height = HEADER + len(layout.boxes) * (BOX_H + V_GAP) + MARGIN


def _u_layout(layout: Layout) -> None:
    stages: list[list[Box]] = []
    for box in layout.boxes:
        if stages and stages[-1][-1].level == box.level:
            stages[-1].append(box)
        else:
            stages.append([box])
    depth = max(b.level for b in layout.boxes) + 1
    band = [0] * depth
    for stage in stages:
        band[stage[0].level] = max(band[stage[0].level], len(stage))
    tops = [HEADER]
    for lv in range(depth - 1):
        tops.append(tops[-1] + band[lv] * (BOX_H + V_GAP) + V_GAP * 2)
    for column, stage in enumerate(stages):
        for i, box in enumerate(stage):
            box.column = column
            box.x = MARGIN + column * (BOX_W + COL_GAP)
            box.y = tops[box.level] + i * (BOX_H + V_GAP)
    layout.width = MARGIN * 2 + len(stages) * (BOX_W + COL_GAP) + 60  # skip curves
    layout.height = tops[-1] + band[-1] * (BOX_H + V_GAP) + MARGIN


def _shape(shape: tuple[Any, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _edge(layout: Layout, src: Box, dst: Box, skip: bool) -> str:
    """An arrow's path: across columns a curve from the right side of the source to
    the left side of the target; down one column a straight line; a skip within
    one column a curve bulging to the right."""
    if layout.u_shape and src.column != dst.column:
        x1, y1 = src.x + BOX_W, src.y + BOX_H / 2
        x2, y2 = dst.x, dst.y + BOX_H / 2
        mid = (x1 + x2) / 2
        return f"M {x1:.1f} {y1:.1f} C {mid:.1f} {y1:.1f} {mid:.1f} {y2:.1f} {x2:.1f} {y2:.1f}"
    if not skip:
        x = src.x + BOX_W / 2
        return f"M {x:.1f} {src.y + BOX_H:.1f} L {x:.1f} {dst.y:.1f}"
    x = src.x + BOX_W
    bulge = x + 30 + min(120, abs(dst.y - src.y) / 6)
    y1, y2 = src.y + BOX_H / 2, dst.y + BOX_H / 2
    return f"M {x:.1f} {y1:.1f} C {bulge:.1f} {y1:.1f} {bulge:.1f} {y2:.1f} {x:.1f} {y2:.1f}"


def _render(net: Network, layout: Layout) -> str:
    from planner.draw import FONT

    order = {b.name: i for i, b in enumerate(layout.boxes)}
    failing = [b for b in layout.boxes if b.error]
    status = f"{len(failing)} failing layer(s)" if failing else "all shapes valid"
    head = (
        f"{net.name} ({net.framework}, {net.data_format}), input "
        f"{_shape(tuple(net.input_shape))}: {len(net.layers)} layers, {status}"
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{layout.width:.0f}" '
        f'height="{layout.height:.0f}" viewBox="0 0 {layout.width:.0f} {layout.height:.0f}" '
        f'font-family="{FONT}">',
        "<defs>",
        '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#555"/></marker>',
        '<marker id="arrow-skip" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        f'fill="{SKIP}"/></marker>',
        "</defs>",
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        f'<text x="{MARGIN}" y="{MARGIN}" font-size="14" font-weight="bold" '
        f'fill="{BAD_STROKE if failing else "#222"}">{escape(head)}</text>',
    ]
    for box in layout.boxes:
        for name in box.inputs:
            src = layout.by_name[name]
            skip = order[name] != order[box.name] - 1
            color, marker = (SKIP, "arrow-skip") if skip else ("#555", "arrow")
            cls = "edge skip" if skip else "edge"
            parts.append(
                f'<path class="{cls}" data-from="{escape(name)}" data-to="{escape(box.name)}" '
                f'd="{_edge(layout, src, box, skip)}" fill="none" stroke="{color}" '
                f'stroke-width="1.4" marker-end="url(#{marker})"/>'
            )
    for box in layout.boxes:
        fill, stroke = (BAD_FILL, BAD_STROKE) if box.error else (OK_FILL, OK_STROKE)
        cls = "layer failing" if box.error else "layer"
        tip = f"{box.name} ({box.kind}): {box.shape}" + (f" - {box.error}" if box.error else "")
        detail = f"{box.kind} {box.shape}" if not box.error else f"{box.kind}: fails"
        parts += [
            f'<g class="{cls}" data-name="{escape(box.name)}" data-type="{box.kind}" '
            f'data-shape="{escape(box.shape)}">',
            f"<title>{escape(tip)}</title>",
            f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{BOX_W}" height="{BOX_H}" rx="5" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{2 if box.error else 1.2}"/>',
            f'<text x="{box.x + 8:.1f}" y="{box.y + 15:.1f}" font-size="12" '
            f'font-weight="bold" fill="#1a1a1a">{escape(_fit(box.name, 24))}</text>',
            f'<text x="{box.x + 8:.1f}" y="{box.y + 29:.1f}" font-size="11" '
            f'fill="{BAD_STROKE if box.error else "#333"}">{escape(_fit(detail, 31))}</text>',
            "</g>",
        ]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _fit(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
