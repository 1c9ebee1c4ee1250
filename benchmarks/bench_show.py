"""How long ``planner show`` needs for every layer's shape, next to the real frameworks.

For every bundled preset and a generated 1,000-layer network, this measures (median
of several runs, ``time.perf_counter``), side by side in one run:

- planner, first call: load the network (the preset's YAML, or a dict for the
  generated one) and infer every layer's shape, on a freshly loaded network, which is
  what ``planner show`` does (the figure the ratios use);
- planner, warm: ``planner.infer`` again on a network already loaded and inferred
  once (its per-layer caches filled), for reference only;
- Keras: build the functional model (``planner.export.to_keras``), which is how
  Keras reports each layer's output shape (it also creates the weights);
- PyTorch on the ``meta`` device: ``to_torch(net, device="meta")`` plus one forward
  with a hook on every layer (no memory is allocated). ``to_torch`` reads
  in-channels from a planner inference, which is computed outside the clock.

Every framework's shapes are checked against planner's before timing counts.

Run: ``python benchmarks/bench_show.py`` (``--json`` for machine-readable output,
``--repeat N`` to change the number of planner runs, ``--only NAME`` for one
network). KERAS_BACKEND defaults to ``torch``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import torch

import planner
from planner.export import to_keras, to_torch
from planner.spec.network import Network

GENERATED = "generated-1000"


def generated_data(layers: int = 1000) -> dict[str, Any]:
    """A Keras network of ``layers`` layers that keeps a valid size: blocks of
    conv 'same' -> max pool 2 -> conv 'same' -> upsample 2 on 64x64x8."""
    block = [
        {"type": "Conv2D", "filters": 8, "kernel_size": 3, "padding": "same", "activation": "relu"},
        {"type": "MaxPooling2D", "pool_size": 2},
        {"type": "Conv2D", "filters": 8, "kernel_size": 3, "padding": "same"},
        {"type": "UpSampling2D", "size": 2},
    ]
    assert layers % len(block) == 0
    return {
        "name": GENERATED,
        "framework": "keras",
        "input_shape": [64, 64, 8],
        "layers": block * (layers // len(block)),
    }


def load_network(name: str) -> Network:
    return planner.load(generated_data()) if name == GENERATED else planner.load(name)


def median_ms(fn: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def planner_shapes(name: str) -> dict[str, tuple[int, ...]]:
    result = planner.infer(load_network(name))
    assert result.ok, result.first_error
    return {r.name: tuple(int(d) for d in r.output_shape) for r in result.layers}


def keras_shapes(net: Network) -> dict[str, tuple[int, ...]]:
    model = to_keras(net)
    return {n: tuple(model.get_layer(n).output.shape[1:]) for n in net.layer_names}


def keras_ms(net: Network, runs: int) -> float:
    """Median build time; the session is cleared between runs, outside the clock
    (``clear_session`` collects garbage, which can take longer than the build)."""
    times = []
    for _ in range(runs):
        keras.backend.clear_session()
        start = time.perf_counter()
        keras_shapes(net)
        times.append((time.perf_counter() - start) * 1000)
    keras.backend.clear_session()
    return statistics.median(times)


def torch_meta_shapes(net: Network, inference: Any = None) -> dict[str, tuple[int, ...]]:
    module = to_torch(net, device="meta", inference=inference)
    shapes: dict[str, tuple[int, ...]] = {}
    for n in net.layer_names:
        module.layer(n).register_forward_hook(
            lambda _m, _i, out, n=n: shapes.__setitem__(n, tuple(out.shape[1:]))
        )
    with torch.no_grad():
        module(torch.empty(1, *net.input_shape, device="meta"))
    return shapes


def measure(name: str, repeat: int, framework_repeat: int) -> dict[str, Any]:
    net = load_network(name)
    expected = planner_shapes(name)
    # One untimed run each, which also checks the shapes agree.
    for label, fn in (("keras", keras_shapes), ("torch-meta", torch_meta_shapes)):
        got = fn(net)
        if got != expected:
            wrong = {k: (got[k], v) for k, v in expected.items() if got.get(k) != v}
            raise SystemExit(f"{name}: {label} disagrees with planner: {wrong}")
    # First call: a fresh load each run, so no per-layer cache is warm.
    planner_ms = median_ms(lambda: planner_shapes(name), repeat)
    planner.infer(net)  # fills the per-layer caches of this network
    infer_ms = median_ms(lambda: planner.infer(net), repeat)
    keras_time = keras_ms(net, framework_repeat)
    # to_torch reads in-channels from planner's inference: computed outside the
    # clock, so this column is PyTorch's own time.
    inference = planner.infer(net)
    torch_ms = median_ms(lambda: torch_meta_shapes(net, inference), framework_repeat)
    return {
        "network": name,
        "framework": net.framework,
        "layers": len(net.layers),
        "planner_ms": round(planner_ms, 2),
        "planner_infer_ms": round(infer_ms, 2),
        "keras_ms": round(keras_time, 2),
        "torch_meta_ms": round(torch_ms, 2),
        "speedup_vs_keras": round(keras_time / planner_ms, 2),
        "speedup_vs_torch_meta": round(torch_ms / planner_ms, 2),
    }


def environment() -> dict[str, Any]:
    return {
        "date": date.today().isoformat(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "planner": planner.__version__,
        "keras": keras.__version__,
        "keras_backend": keras.backend.backend(),
        "torch": torch.__version__,
    }


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "network",
        "layers",
        "planner ms",
        "(warm infer)",
        "keras ms",
        "torch-meta ms",
        "x keras",
        "x torch",
    )
    body = [
        (
            r["network"],
            str(r["layers"]),
            f"{r['planner_ms']:.1f}",
            f"{r['planner_infer_ms']:.1f}",
            f"{r['keras_ms']:.1f}",
            f"{r['torch_meta_ms']:.1f}",
            f"{r['speedup_vs_keras']:.1f}",
            f"{r['speedup_vs_torch_meta']:.1f}",
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head))]
    lines = [
        "| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))) + " |"
        for row in [head, *body]
    ]  # fmt: skip
    lines.insert(1, "|" + "|".join("-" * (w + 1) + ":" if i else ":" + "-" * (w + 1) for i, w in enumerate(widths)) + "|")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--repeat", type=int, default=7, help="planner runs per network")
    parser.add_argument(
        "--framework-repeat", type=int, default=3, help="Keras and PyTorch runs per network"
    )
    parser.add_argument("--only", action="append", help="measure only this network (repeatable)")
    args = parser.parse_args(argv)
    # Keras walks a functional model's graph recursively while building it: a chain of
    # 1,000 layers needs more than Python's default limit of 1,000 frames.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))
    names = args.only or [*planner.preset_names(), GENERATED]
    # Warm up imports and first-call caches so the first network is not penalised.
    warm = load_network("keras-autoencoder")
    planner_shapes("keras-autoencoder")
    keras_shapes(warm)
    torch_meta_shapes(warm)
    rows = []
    for name in names:
        rows.append(measure(name, args.repeat, args.framework_repeat))
        if not args.json:
            print(f"measured {name}", file=sys.stderr)
    if args.json:
        print(json.dumps({"environment": environment(), "results": rows}, indent=2))
    else:
        env = environment()
        print(
            f"{env['date']}, Python {env['python']}, {env['cpus']} CPUs, keras {env['keras']} "
            f"({env['keras_backend']} backend), torch {env['torch']}"
        )
        print(table(rows))
        print(
            "planner ms: first call, a fresh load (YAML or dict) + infer, as `planner show` "
            "does; (warm infer): infer again on the loaded network; x keras / x torch: how "
            "many times faster planner's first call reports the same shapes"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
