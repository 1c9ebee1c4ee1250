"""How long symbolic inference (input size ``H x W``) takes on long chains of layers.

Each figure is the median of ``--repeat`` runs (``time.perf_counter``) of
``planner.infer`` on a freshly loaded network whose input is ``[H, W, 4]``, sympy
already imported (its import, about 0.5 s, is paid once per process and not counted)
and every cache emptied before each run (sympy's and planner's rendered formulas), so
no run profits from an earlier one.
The chains repeat one block:

- ``conv``: a valid 3x3 convolution (sizes ``H - 2k``);
- ``stride2``: a valid 3x3 convolution with stride 2 (a floor per layer, which nested
  one level deeper per layer before the floors were merged; issue 6 saw a
  RecursionError at 320 layers);
- ``mixed``: a 'same' stride-2 convolution, a valid stride-2 convolution, a 2x2 max
  pool, a valid 3x3 convolution, an upsampling by 2, a valid 2x2 convolution, zero
  padding 1 and a 1x1 convolution (floors and ceilings alternating);
- ``blocks``: conv 'same' -> max pool 2 -> conv 'same' -> upsample 2.

Run: ``python benchmarks/bench_symbolic.py [--layers 40 160 320] [--repeat N] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sympy  # imported once, outside the clock

import planner
from planner.symbolic import ops

CONV = {"type": "Conv2D", "filters": 4, "kernel_size": 3}
CHAINS: dict[str, list[dict[str, Any]]] = {
    "conv": [CONV],
    "stride2": [{**CONV, "strides": 2}],
    "mixed": [
        {**CONV, "strides": 2, "padding": "same"},
        {**CONV, "strides": 2},
        {"type": "MaxPooling2D", "pool_size": 2},
        CONV,
        {"type": "UpSampling2D", "size": 2},
        {**CONV, "kernel_size": 2},
        {"type": "ZeroPadding2D", "padding": 1},
        {**CONV, "kernel_size": 1},
    ],
    "blocks": [
        {**CONV, "padding": "same"},
        {"type": "MaxPooling2D", "pool_size": 2},
        {**CONV, "padding": "same"},
        {"type": "UpSampling2D", "size": 2},
    ],
}


def chain(kind: str, layers: int) -> dict[str, Any]:
    block = CHAINS[kind]
    items = (block * (layers // len(block) + 1))[:layers]
    return {"name": f"{kind}-{layers}", "input_shape": ["H", "W", 4], "layers": items}


def measure(kind: str, layers: int, repeat: int) -> dict[str, Any]:
    data = chain(kind, layers)
    times = []
    result = None
    for _ in range(repeat):
        net = planner.load(data)
        sympy.core.cache.clear_cache()
        ops._render_sympy.cache_clear()
        start = time.perf_counter()
        result = planner.infer(net)
        times.append(time.perf_counter() - start)
    assert result is not None and result.ok, result and result.first_error
    return {
        "chain": kind,
        "layers": layers,
        "seconds": round(statistics.median(times), 3),
        "output_H": str(result.output_shape[0])[:60],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, nargs="+", default=[40, 160, 320])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = [measure(k, n, args.repeat) for k in CHAINS for n in args.layers]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print("| chain | layers | infer s | output H |")
    print("|:--|--:|--:|:--|")
    for r in rows:
        print(f"| {r['chain']} | {r['layers']} | {r['seconds']:.2f} | `{r['output_H']}` |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
