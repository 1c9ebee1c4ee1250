"""Pictures of networks as SVG, written in pure Python (no Graphviz, no system
program); PNG through ``resvg-py``, a wheel that ships its own renderer.

- ``network_svg(net)``: every layer as a box with its type and output shape, skips
  as arrows, failing layers in red. A U-Net (the resolution goes down, then back
  up, with skips) is drawn as a U: one row band per resolution level, the encoder
  descending on the left, the decoder rising on the right, skips as arrows across.
  Anything else is a stack from top to bottom.
- ``padding_svg(net, layer)``: one layer's padding along each spatial axis: the
  input cells, the padding cells per side, and the kernel windows.
- ``to_png(svg)``: PNG bytes.

Boxes are ``<g class="layer" data-name=...>`` and arrows ``<path class="edge"
data-from=... data-to=...>``, so a test (or a script) can read the picture back.
"""

from __future__ import annotations

from planner.draw.network import network_svg
from planner.draw.padding import padding_svg

__all__ = ["network_svg", "padding_svg", "to_png"]

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"


def to_png(svg: str, zoom: float = 1.0) -> bytes:
    """PNG bytes of an SVG (needs the ``resvg-py`` wheel: ``pip install resvg-py``)."""
    try:
        import resvg_py
    except ImportError:
        from planner.errors import SpecError

        raise SpecError(
            "PNG output needs the resvg-py wheel (pip install resvg-py); SVG needs nothing",
            field="-o",
        ) from None
    return bytes(
        resvg_py.svg_to_bytes(
            svg_string=svg, zoom=zoom, background="#ffffff", sans_serif_family="DejaVu Sans"
        )
    )
