"""How long ``planner show`` needs for every layer's shape, next to the real frameworks.

For every bundled preset and a generated 1,000-layer network, this measures (median
of several runs, ``time.perf_counter``), side by side in one run, the rounds of the
three alternating so that a change in the machine's load hits all of them alike:

- planner, first call: load the network from its YAML file (the preset's, or a file
  written for the generated one) and infer every layer's shape, a fresh load each
  run with planner's caches emptied, which is what ``planner show`` does (the figure
  the ratios use);
- planner, warm: ``planner.infer`` again on a network already loaded and inferred
  once (its per-layer caches filled), for reference only;
- Keras: build the functional model (``planner.export.to_keras``), which is how
  Keras reports each layer's output shape (it also creates the weights);
- PyTorch on the ``meta`` device: build the ``nn.Module`` on ``device="meta"``
  (``to_torch(net, device="meta")``) and run one forward on a meta tensor, with a
  hook on every layer to read its shape (no memory is allocated). ``to_torch`` reads
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
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import torch
from generated import generated_text

import planner
from planner.export import to_keras, to_torch
from planner.spec.network import Network

GENERATED = "generated-1000"


# Where each network's YAML file is: a preset's own, or the generated one's.
SOURCES: dict[str, str] = {}


def load_network(name: str) -> Network:
    """A fresh load from the YAML file, as ``planner show NAME`` does."""
    return planner.load(SOURCES.get(name, name))


def fresh_caches() -> None:
    """Empty planner's caches (the rendered formulas), so no run reuses another's."""
    from planner.symbolic import ops

    ops._render_sympy.cache_clear()


def median_ms(fn: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def planner_shapes(name: str) -> dict[str, tuple[int, ...]]:
    fresh_caches()
    result = planner.infer(load_network(name))
    assert result.ok, result.first_error
    return {r.name: tuple(int(d) for d in r.output_shape) for r in result.layers}


def keras_shapes(net: Network) -> dict[str, tuple[int, ...]]:
    model = to_keras(net)
    return {n: tuple(model.get_layer(n).output.shape[1:]) for n in net.layer_names}


def timed_ms(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


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
    # to_torch reads in-channels from planner's inference: computed outside the
    # clock, so this column is PyTorch's own time.
    inference = planner.infer(net)
    first: list[float] = []
    keras_times: list[float] = []
    torch_times: list[float] = []
    for i in range(max(repeat, framework_repeat)):
        if i < repeat:
            # First call: a fresh load each run, so no per-layer cache is warm.
            first.append(timed_ms(lambda: planner_shapes(name)))
        if i < framework_repeat:
            # The Keras session is cleared outside the clock (clear_session collects
            # garbage, which can take longer than the build).
            keras.backend.clear_session()
            keras_times.append(timed_ms(lambda: keras_shapes(net)))
            keras.backend.clear_session()
            torch_times.append(timed_ms(lambda: torch_meta_shapes(net, inference)))
    planner.infer(net)  # fills the per-layer caches of this network
    infer_ms = median_ms(lambda: planner.infer(net), repeat)
    planner_ms = statistics.median(first)
    keras_time = statistics.median(keras_times)
    torch_ms = statistics.median(torch_times)
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
        "load_average": os.getloadavg(),
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
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{GENERATED}.yaml"
        path.write_text(generated_text(1000), encoding="utf-8")
        SOURCES[GENERATED] = str(path)
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
        load = ", ".join(f"{x:.1f}" for x in env["load_average"])
        print(
            f"{env['date']}, Python {env['python']}, {env['cpus']} CPUs, keras {env['keras']} "
            f"({env['keras_backend']} backend), torch {env['torch']}, load average {load} "
            "(after the run)"
        )
        print(table(rows))
        print(
            "planner ms: first call, a fresh load from YAML + infer, as `planner show` "
            "does; (warm infer): infer again on the loaded network; x keras / x torch: how "
            "many times faster planner's first call reports the same shapes"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
