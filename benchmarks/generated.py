"""The generated network the benchmarks share (``bench_show.py``, ``bench_startup.py``,
``bench_load.py``): ``layers`` Keras layers that keep a valid size, blocks of conv
'same' -> max pool 2 -> conv 'same' -> upsample 2 on 64x64x8, as YAML text."""

from __future__ import annotations

BLOCK = [
    "  - {type: Conv2D, filters: 8, kernel_size: 3, padding: same, activation: relu}",
    "  - {type: MaxPooling2D, pool_size: 2}",
    "  - {type: Conv2D, filters: 8, kernel_size: 3, padding: same}",
    "  - {type: UpSampling2D, size: 2}",
]


def generated_text(layers: int) -> str:
    """The YAML of the ``generated-{layers}`` network (``layers``: a multiple of 4)."""
    if layers % len(BLOCK):
        raise ValueError(f"layers must be a multiple of {len(BLOCK)}, received {layers}")
    head = [f"name: generated-{layers}", "framework: keras", "input_shape: [64, 64, 8]", "layers:"]
    return "\n".join(head + BLOCK * (layers // len(BLOCK))) + "\n"
