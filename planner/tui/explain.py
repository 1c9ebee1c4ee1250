"""What the explain panel says about one layer, from the library's results.

The formula and the padding per side come from ``planner.infer``; the layer in the
other frameworks from ``planner.translate``. The padding picture draws, per axis,
the input cells (``□``), the padding cells on each side (``·``) and where the first,
second and last windows fall (``■`` on the cells a window reads), in the spirit of
Dumoulin & Visin's convolution-arithmetic diagrams. It places windows at
``i * stride - before``, which is what a framework does once the library has said
how much padding goes before; no size is computed here.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from planner import Inference
from planner.dialects import get_dialect
from planner.errors import PlannerError
from planner.report import shape_text
from planner.shapes import axis_names
from planner.spec.network import FRAMEWORKS, Network
from planner.symbolic.ops import is_int, render
from planner.translate import CONV_TYPES, POOL_TYPES
from planner.translate import translate as run_translate

WINDOWED = (*CONV_TYPES, *POOL_TYPES)
TRANSLATABLE = (*WINDOWED, "conv_transpose")
MAX_CELLS = 40


def padding_picture(
    size: int, before: int, after: int, kernel: int, stride: int, dilation: int, out: int
) -> list[str]:
    """Lines drawing one axis: cells, then the first, second and last window.

    >>> for line in padding_picture(7, 0, 1, 2, 2, 1, 4): print(line)
    cells    □□□□□□□·
    win 1    ■■
    win 2      ■■
    win 4          ■■
    """
    width = before + size + after
    lines = ["cells    " + "·" * before + "□" * size + "·" * after]
    shown = sorted({1, min(2, out), out})
    for w in shown:
        start = (w - 1) * stride
        row = [" "] * width
        for tap in range(kernel):
            pos = start + tap * dilation
            if 0 <= pos < width:
                row[pos] = "■"
        for pos in range(start, min(width, start + (kernel - 1) * dilation + 1)):
            if row[pos] == " ":
                row[pos] = "─"
        lines.append(f"win {w:<5}" + "".join(row).rstrip())
    return lines


def _per_axis(value: Any, axis: int) -> Any:
    return value[axis] if isinstance(value, tuple) else value


def explain(net: Network, result: Inference, name: str) -> RenderableType:
    """The explain panel's content for layer ``name`` (or the input)."""
    if name not in net.layer_names:
        return Text(
            f"{net.name}: {net.framework}, {net.data_format}, input {shape_text(result.input_shape)}"
            f" -> output {shape_text(result.output_shape)}\n"
            f"{len(net.layers)} layers, {render(result.total_params)} parameters"
        )
    index = net.layer_names.index(name)
    layer = net.layers[index]
    res = result.layers[index]
    parts: list[RenderableType] = [Text(f"{name} ({layer.shown_type})", style="bold")]
    if res.error:
        parts.append(Text(res.error, style="bold red"))
        return Group(*parts)
    parts.append(Text(f"output {shape_text(res.output_shape)}"))
    if res.formula:
        parts.append(Text("formula: ", style="bold") + Text(res.formula))
    for c in res.conditions:
        parts.append(Text(f"needs: {c.message} ({render(c.expr)})", style="yellow"))
    names = axis_names(net.rank)
    if res.padding:
        pads = ", ".join(
            f"{names[a]} {render(b)}|{render(e)}" for a, (b, e) in enumerate(res.padding)
        )
        parts.append(Text("padding before|after: ", style="bold") + Text(pads))
    if layer.type in WINDOWED and res.padding:
        parts.extend(_pictures(net, result, layer, res))
    if layer.type in TRANSLATABLE:
        parts.append(Text("in other frameworks", style="bold"))
        parts.extend(_translations(net, name))
    return Group(*parts)


def _pictures(net: Network, result: Inference, layer: Any, res: Any) -> list[Text]:
    sizes = result.sizes.get((layer.inputs or [net.input_name])[0])
    if sizes is None:
        return []
    kernels = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
    strides = layer.strides
    if strides is None:
        dialect = get_dialect(net.framework)
        strides = tuple(dialect.pool_stride(k) for k in kernels)
    # Axes with the same numbers share one picture ("H, W: ...").
    groups: dict[tuple[Any, ...], list[str]] = {}
    for a, axis in enumerate(axis_names(net.rank)):
        values = (
            sizes[a],
            *res.padding[a],
            _per_axis(kernels, a),
            _per_axis(strides, a),
            _per_axis(layer.dilation, a),
            res.spatial[a],
        )
        groups.setdefault(values, []).append(axis)
    out: list[Text] = []
    for values, axes in groups.items():
        label = ", ".join(axes)
        if not all(is_int(v) for v in values):
            out.append(Text(f"{label}: symbolic sizes, no picture"))
            continue
        n, b, e, k, s, d, o = (int(v) for v in values)
        header = f"{label}: {n} cells, pad {b}|{e}, window {k}, stride {s}" + (
            f", dilation {d}" if d != 1 else ""
        )
        if n + b + e > MAX_CELLS:
            out.append(Text(header + f", {o} windows (too wide to draw)"))
            continue
        out.append(Text(header))
        out.append(Text("\n".join(padding_picture(n, b, e, k, s, d, o)), style="cyan"))
    return out


def _translations(net: Network, name: str) -> list[Text]:
    lines: list[Text] = []
    for fw in FRAMEWORKS:
        if fw == net.framework:
            continue
        try:
            t = run_translate(net, name, fw)
        except PlannerError as exc:
            lines.append(Text(f"{fw}: {exc.message}", style="dim"))
            continue
        if t.exact:
            lines.append(Text(f"{fw}: ", style="bold green") + Text(t.code))
        else:
            lines.append(
                Text(f"{fw}: not expressible, because ", style="bold yellow") + Text(t.reason or "")
            )
    return lines
